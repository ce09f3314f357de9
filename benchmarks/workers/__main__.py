"""``python -m benchmarks.workers KIND CONFIG_JSON``: run one worker (started by ``benchmarks.processes.Worker``)."""

import json
import sys

from benchmarks.workers import worker_main

worker_main(sys.argv[1], json.loads(sys.argv[2]))
