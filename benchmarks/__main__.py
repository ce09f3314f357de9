"""``python -m benchmarks``: run the benchmark sections (see ``benchmarks.cli``)."""

import sys

from benchmarks.cli import main

sys.exit(main())
