"""The report's PNG charts (matplotlib is imported only here, and only when a report is written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.evals.tables import GROUP_METRICS

CHART_METRICS = tuple(m for m in GROUP_METRICS if m not in ("hit@1", "latency_p50_ms"))


def charts(result: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Metric bars by kind and by language, and the latency histogram, as PNGs in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, Path] = {}
    for key, title in (("by_kind", "Metrics by question kind"), ("by_lang", "Metrics by question language")):
        groups = result.get(key, {})
        fig, ax = plt.subplots(figsize=(10, 4.8))
        names = list(groups)
        width = 0.8 / max(1, len(names))
        for i, group in enumerate(names):
            values = [groups[group].get(m) for m in CHART_METRICS]
            xs = [j + i * width for j in range(len(CHART_METRICS))]
            ax.bar(
                xs,
                [v if v is not None else 0 for v in values],
                width,
                label=f"{group} (n={groups[group]['n_questions']})",
            )
            for x, v in zip(xs, values, strict=False):
                if v is None:
                    ax.text(x, 0.01, "n/a", ha="center", va="bottom", fontsize=6, rotation=90, color="grey")
        ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(CHART_METRICS))])
        ax.set_xticklabels(CHART_METRICS, rotation=20, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(title)
        ax.legend(fontsize=7, ncol=min(5, max(1, len(names))), loc="upper center", bbox_to_anchor=(0.5, -0.28))
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        path = folder / f"metrics_{key}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        out[key] = path
    latencies = [r["latency_ms"] for r in result.get("questions", []) if r.get("latency_ms") is not None]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(latencies or [0], bins=min(30, max(5, len(latencies) // 3)), color="#4a7ab5")
    for name, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        value = result.get("metrics", {}).get(name)
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, label=f"{name.split('_')[1]} {value:.0f} ms")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = folder / "latency.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    out["latency"] = path
    return out
