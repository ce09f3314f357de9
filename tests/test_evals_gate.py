"""CI gate: the test split of the golden set (held out: never tuned or calibrated on), answered offline on a
fresh index of the seeds, must stay above evals/thresholds.json.

Runs in-process (not through the CLI) so the embedding model and index loaded by the session fixture are reused.
The report (with the comparison against the previous gate run) lands in
test-output/test_golden_set_meets_the_thresholds/.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evals.metrics import check_thresholds
from assistant.evals.report import failures, write_report
from assistant.evals.runner import run_eval
from assistant.settings import Settings
from tests.helpers import ROOT

GOLDEN = ROOT / "evals" / "golden.jsonl"
THRESHOLDS = ROOT / "evals" / "thresholds.json"


def test_golden_set_meets_the_thresholds(seed_settings: Settings, output_dir: Path) -> None:
    result = run_eval(GOLDEN, seed_settings, backend="extractive", split="test", progress=False)
    assert result["meta"]["split"] == "test" and {q["split"] for q in result["questions"]} == {"test"}
    written = write_report(result, output_dir)
    problems = check_thresholds(result["metrics"], result["by_lang"], json.loads(THRESHOLDS.read_text("utf-8")))
    # the held-out questions' failures are not printed: a CI log read while fixing would turn them into dev
    # questions; the count is enough to see that the gate moved, the report has the rest for whoever reports it
    failing = failures(result["questions"])
    assert not problems, (
        "golden-set metrics below evals/thresholds.json:\n  "
        + "\n  ".join(problems)
        + f"\n{len(failing)} held-out questions with problems; report: {written['markdown']}"
    )
    assert result["metrics"]["golden_problems"] == 0, "some expected strings match no record of the seed corpus"
