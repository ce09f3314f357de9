"""Answer-quality evals: run a golden question set through the real chain and score it.

``golden``  reads and checks the question set (``split`` assigns its dev/test split once),
``check_golden`` checks it against the records (expected strings, filter sets, topic lists),
``runner``  answers every question (with its history) and records one row per question (``cache`` keeps them),
``metrics`` scores the rows (numpy retrieval metrics, answer metrics), overall and by kind / language,
``claims``  claim-level citation recall and precision (ALCE) with a cross-lingual check,
``stats``   bootstrap intervals and the paired test of two runs (``compare``, ``sidebyside``: ``--compare``),
``judge``   optionally grades faithfulness and correctness with an LLM (``ASSISTANT_JUDGE_*``),
``report``  writes report.md / report.html with charts, saves the run and compares with the previous one.
"""

from assistant.evals.golden import GoldenQuestion, load_golden
from assistant.evals.metrics import compute_metrics, summarise
from assistant.evals.runner import run_eval

__all__ = ["GoldenQuestion", "load_golden", "compute_metrics", "summarise", "run_eval"]
