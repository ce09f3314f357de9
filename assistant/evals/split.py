"""Split a golden set into dev (tuning, calibration, heuristics) and test (held out), once.

Stratified by (kind, language): within each stratum the questions are ordered by id, shuffled with a seeded
generator, and the first ``floor(n * test_share)`` go to test, the rest to dev (dev keeps the odd one, so
calibration has refusals in both languages). The split is written into the file as a ``split`` field on
every line; questions that already carry one keep it, so adding questions later never moves old ones.

    python -m assistant.evals.split --set evals/golden.jsonl          # assign the questions without a split
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.evals.golden import SPLITS, load_golden

SEED = 11
TEST_SHARE = 0.5


def assign(questions: list[dict[str, Any]], seed: int = SEED, test_share: float = TEST_SHARE) -> dict[str, str]:
    """{id: "dev" | "test"} for the questions without a split, stratified by (kind, lang)."""
    if not 0 < test_share < 1:
        raise ValueError(f"test_share must be between 0 and 1, not {test_share}")
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in questions:
        if not q.get("split"):
            strata[(q["kind"], q["lang"])].append(q["id"])
    rng = random.Random(seed)
    out: dict[str, str] = {}
    for key in sorted(strata):
        ids = sorted(strata[key])
        rng.shuffle(ids)
        n_test = int(len(ids) * test_share)
        out |= {qid: "test" for qid in ids[:n_test]} | {qid: "dev" for qid in ids[n_test:]}
    return out


def write_split(path: Path, seed: int = SEED, test_share: float = TEST_SHARE) -> dict[str, int]:
    """Add a ``split`` to every line of ``path`` that has none (the file is validated first); returns counts."""
    load_golden(path)  # a malformed file is refused before anything is written
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    objs = [json.loads(line) for line in lines]
    new = assign(objs, seed, test_share)
    for obj in objs:
        if not obj.get("split"):
            obj["split"] = new[obj["id"]]
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return {s: sum(1 for o in objs if o["split"] == s) for s in SPLITS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--test-share", type=float, default=TEST_SHARE)
    args = parser.parse_args()
    print(write_split(args.golden, args.seed, args.test_share))


if __name__ == "__main__":
    main()
