"""The report's PNG plots (matplotlib, Agg backend), written next to latest.md; each returns its file name."""

from __future__ import annotations

from typing import Any

from benchmarks.harness import RESULTS, TARGETS


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_growth(per_size: dict[int, dict[str, Any]]) -> str:
    """growth.png: search time and its parts against index size (log-log), with the 100k target."""
    plt = _plt()
    sizes = sorted(per_size)
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    series = [
        ("search p50", lambda d: d["search"]["wall"]["p50"], "-o", "C0"),
        ("search p95", lambda d: d["search"]["wall"]["p95"], "-s", "C3"),
        ("dense p50", lambda d: d["search"]["dense"]["p50"], "--^", "C2"),
        ("BM25 p50", lambda d: d["search"]["bm25"]["p50"], "--v", "C1"),
        ("untimed (plan + filter mask) p50", lambda d: d["search"]["untimed"]["p50"], ":d", "C4"),
        (
            "old filter mask alone (Python loop, before the fix) p50",
            lambda d: d["micro"]["mask_loop"]["p50"],
            ":x",
            "C7",
        ),
    ]
    for label, get, style, color in series:
        ax.plot(sizes, [max(get(per_size[n]), 1e-3) for n in sizes], style, color=color, label=label)
    ax.axhline(TARGETS["growth_p95_ms_at_100k"], color="grey", lw=1, ls="--")
    ax.text(sizes[0], TARGETS["growth_p95_ms_at_100k"] * 1.08, "target p95 100 ms", color="grey", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("chunks in the index (log)")
    ax.set_ylabel("ms per search (log)")
    ax.set_title("HybridRetriever.search vs index size (query embedding cached)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = RESULTS / "growth.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name


def plot_search(cold: dict[str, Any], warm: dict[str, Any], parts: list[str]) -> str:
    """search.png: the p50 of each part of a search, stacked, for cold and warm query-embedding caches."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.9), dpi=120)
    labels = ["cold query cache", "warm query cache"]
    left = [0.0, 0.0]
    for i, part in enumerate(parts):
        vals = [cold[part]["p50"], warm[part]["p50"]]
        ax.barh(labels, vals, left=left, color=f"C{i}", label=part)
        left = [a + b for a, b in zip(left, vals, strict=False)]
    ax.axvline(TARGETS["search_p50_ms"], color="grey", ls="--", lw=1)
    ax.set_xlabel("ms (p50 of each part, stacked)")
    ax.set_title("Where a search's time goes (seeds index)")
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    fig.tight_layout()
    path = RESULTS / "search.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name


def plot_quality(quality: dict[str, Any], systems: list[tuple[str, str]]) -> str:
    """quality.png: hit@1 and hit@5 of each system on each golden-question subset."""
    plt = _plt()
    names = list(quality)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=120, sharey=True)
    width = 0.8 / len(systems)
    for ax, metric in zip(axes, ("hit@1", "hit@5"), strict=False):
        for j, (key, label) in enumerate(systems):
            ax.bar(
                [i + j * width for i in range(len(names))],
                [quality[n][key][metric] for n in names],
                width,
                label=label,
                color=f"C{j}",
            )
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(names))])
        ax.set_xticklabels([n.replace(" (history + question as query)", "") for n in names], fontsize=8)
        ax.set_title(metric)
        ax.set_ylim(0, 1.05)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    path = RESULTS / "quality.png"
    fig.savefig(path)
    plt.close(fig)
    return path.name
