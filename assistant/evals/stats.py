"""Uncertainty of the eval metrics, by resampling questions (numpy only, seeded, so a rerun gives the same
numbers).

``ci95``        95% percentile-bootstrap interval of every headline metric of one run;
``paired_test`` the difference of two runs on the same questions: observed delta, a 95% paired-bootstrap
                interval of it, and a two-sided paired permutation p-value (each question's pair of results
                swapped between the runs at random).

Rates are ratios of per-question sums (``metrics.ratio_terms``), so a resample re-sums numerators and
denominators: micro-averaged rates (facts recall, citation support) are resampled as what they are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.evals.metrics import ratio_terms

SEED = 20261202
BOOTSTRAP = 2000
PERMUTATIONS = 5000
LATENCIES = {"latency_p50_ms": 50, "latency_p95_ms": 95}


def _ratios(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Row-wise sum(num) / sum(den) of (resamples, questions) matrices; NaN where the denominator is 0."""
    total = den.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, num.sum(axis=1) / np.where(total > 0, total, 1), np.nan)


def _interval(samples: np.ndarray) -> list[float] | None:
    kept = samples[~np.isnan(samples)]
    if not len(kept):
        return None
    low, high = np.percentile(kept, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def ci95(rows: list[dict[str, Any]], seed: int = SEED, resamples: int = BOOTSTRAP) -> dict[str, list[float] | None]:
    """{metric: [low, high]} for every rate with at least one question, and for the latency percentiles."""
    if not rows:
        return {}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(rows), size=(resamples, len(rows)))
    out: dict[str, list[float] | None] = {}
    for name, (num, den) in ratio_terms(rows).items():
        if den.sum() > 0:
            out[name] = _interval(_ratios(num[idx], den[idx]))
    latency = np.array([r.get("latency_ms") or 0.0 for r in rows])
    for name, q in LATENCIES.items():
        out[name] = _interval(np.percentile(latency[idx], q, axis=1))
    return out


def align(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of both runs for the questions they share, in the same order; refuses runs that share none."""
    by_id = {r["id"]: r for r in b}
    shared = [r for r in a if r["id"] in by_id]
    if not shared:
        raise ValueError("the two runs share no question ids: nothing to compare")
    return shared, [by_id[r["id"]] for r in shared]


def paired_test(
    a: list[dict[str, Any]],
    b: list[dict[str, Any]],
    seed: int = SEED,
    resamples: int = BOOTSTRAP,
    permutations: int = PERMUTATIONS,
) -> dict[str, dict[str, Any]]:
    """{metric: {a, b, delta (b - a), ci95 of the delta, p, n}} over rows already aligned by ``align``."""
    if len(a) != len(b) or [r["id"] for r in a] != [r["id"] for r in b]:
        raise ValueError("paired_test needs the same questions in the same order (use align)")
    terms_a, terms_b = ratio_terms(a), ratio_terms(b)
    rng = np.random.default_rng(seed)
    n = len(a)
    idx = rng.integers(0, n, size=(resamples, n))
    swap = rng.random((permutations, n)) < 0.5
    out: dict[str, dict[str, Any]] = {}
    for name, (num_a, den_a) in terms_a.items():
        num_b, den_b = terms_b[name]
        if den_a.sum() == 0 or den_b.sum() == 0:
            continue
        value_a, value_b = num_a.sum() / den_a.sum(), num_b.sum() / den_b.sum()
        delta = value_b - value_a
        boot = _ratios(num_b[idx], den_b[idx]) - _ratios(num_a[idx], den_a[idx])
        perm = _ratios(np.where(swap, num_a, num_b), np.where(swap, den_a, den_b)) - _ratios(
            np.where(swap, num_b, num_a), np.where(swap, den_b, den_a)
        )
        perm = perm[~np.isnan(perm)]
        extreme = int((np.abs(perm) >= abs(delta) - 1e-12).sum())
        out[name] = {
            "a": round(float(value_a), 4),
            "b": round(float(value_b), 4),
            "delta": round(float(delta), 4),
            "ci95": _interval(boot),
            "p": round((extreme + 1) / (len(perm) + 1), 4),
            "n": int(((den_a > 0) | (den_b > 0)).sum()),
        }
    return out
