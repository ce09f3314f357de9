"""Benchmarks of the research assistant: ``python -m benchmarks`` (``make bench``).

- ``harness``: paths, timing goals, medians/percentiles, memory and CPU probes, interleaved passes;
- ``processes``: worker subprocesses, servers on a free port, a CPU burner;
- ``core``: Context, Result, Table, Section;
- ``sections/``: one module per section, and the registry ``sections.SECTIONS``;
- ``workers/``: what runs inside the measured subprocesses;
- ``synthetic``: synthetic corpora for the growth section;
- ``plots``, ``report``: the PNGs, latest.json and latest.md; ``cli``: the command line.
"""
