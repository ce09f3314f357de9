"""Two runs side by side: metric deltas and per-question changes."""

from __future__ import annotations

from typing import Any

from assistant.evals.metrics import HEADLINE


def _hit(row: dict[str, Any]) -> bool:
    return row.get("hit_rank") is not None and row["hit_rank"] <= 5


def question_changes(prev: dict[str, Any], cur: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(regressions, improvements) of one question between two runs, as short phrases."""
    worse: list[str] = []
    better: list[str] = []
    if cur.get("expect_any"):
        if _hit(prev) and not _hit(cur):
            worse.append(f"hit lost (rank {prev['hit_rank']} -> {cur.get('hit_rank') or 'none'})")
        elif _hit(cur) and not _hit(prev):
            better.append(f"hit gained (rank {prev.get('hit_rank') or 'none'} -> {cur['hit_rank']})")
        elif _hit(cur) and prev["hit_rank"] != cur["hit_rank"]:
            moved = f"rank {prev['hit_rank']} -> {cur['hit_rank']}"
            (worse if cur["hit_rank"] > prev["hit_rank"] else better).append(moved)
    for key, what in (("found", "records"), ("facts_found", "fact")):
        lost = [x for x in prev.get(key, []) if x not in cur.get(key, [])]
        gained = [x for x in cur.get(key, []) if x not in prev.get(key, [])]
        if lost:
            worse.append(f"{what} lost: " + ", ".join(lost))
        if gained:
            better.append(f"{what} gained: " + ", ".join(gained))
    if bool(prev.get("abstained")) != bool(cur.get("abstained")):
        flip = (
            f"abstention flipped ({'refused' if prev.get('abstained') else 'answered'} -> "
            f"{'refused' if cur.get('abstained') else 'answered'})"
        )
        (worse if bool(cur.get("abstained")) != bool(cur.get("should_abstain")) else better).append(flip)
    if cur.get("error") and not prev.get("error"):
        worse.append(f"new error: {cur['error']}")
    elif prev.get("error") and not cur.get("error"):
        better.append("error fixed")
    return worse, better


def compare(prev: dict[str, Any], cur: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas and per-question regressions / improvements of ``cur`` against ``prev``."""
    deltas = {}
    for name in HEADLINE:
        a, b = prev.get("metrics", {}).get(name), cur.get("metrics", {}).get(name)
        if a is None and b is None:
            continue
        deltas[name] = {"previous": a, "current": b, "delta": None if a is None or b is None else b - a}
    before = {r["id"]: r for r in prev.get("questions", [])}
    regressions, improvements = [], []
    for row in cur.get("questions", []):
        if row["id"] not in before:
            continue
        worse, better = question_changes(before[row["id"]], row)
        regressions += [{"id": row["id"], "question": row["question"], "change": c} for c in worse]
        improvements += [{"id": row["id"], "question": row["question"], "change": c} for c in better]
    return {
        "previous": prev.get("meta", {}),
        "deltas": deltas,
        "regressions": regressions,
        "improvements": improvements,
    }


def outcome(worse: list[str], better: list[str]) -> str:
    return "mixed" if worse and better else "loss" if worse else "win" if better else "tie"


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """B against A on the questions both answered: per-metric deltas with a paired bootstrap interval and a
    paired permutation p-value (``stats.paired_test``), and each question's outcome for B (win, loss, mixed,
    tie) with what changed."""
    from assistant.evals.stats import align, paired_test

    rows_a, rows_b = align(a["questions"], b["questions"])
    questions = []
    for ra, rb in zip(rows_a, rows_b, strict=True):
        worse, better = question_changes(ra, rb)
        questions.append(
            {"id": ra["id"], "question": ra["question"], "outcome": outcome(worse, better), "better": better}
            | {"worse": worse}
        )
    counts = {k: sum(1 for q in questions if q["outcome"] == k) for k in ("win", "loss", "mixed", "tie")}
    return {
        "a": a.get("meta", {}),
        "b": b.get("meta", {}),
        "n": len(questions),
        "only_a": len(a["questions"]) - len(questions),
        "only_b": len(b["questions"]) - len(questions),
        "metrics": paired_test(rows_a, rows_b),
        "outcomes": counts,
        "questions": questions,
    }
