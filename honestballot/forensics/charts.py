"""The report's charts: matplotlib figures rendered to inline SVG (text kept as text).

The SVG's width and height are removed so that it scales to its container (a phone's
360 px as well as a desktop).
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "font.family": "DejaVu Sans"})


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    root = re.match(r"<svg[^>]*>", svg)
    assert root is not None
    # the root's fixed size goes; its viewBox stays, so the chart scales to its container
    return re.sub(r'\s(width|height)="[^"]*"', "", root.group(0)) + svg[root.end() :]


def histogram(centres: np.ndarray, counts: np.ndarray, xlabel: str, ylabel: str) -> str:
    """A 0.1-point histogram as a line, with the whole percents marked by dots."""
    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.plot(centres, counts, linewidth=0.7, color="#1f5fa8")
    integer = np.isclose(centres, np.round(centres), atol=1e-6)
    ax.plot(centres[integer], counts[integer], "o", markersize=2, color="#c0392b")
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 10))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def null_distributions(
    panels: list[tuple[np.ndarray, float, str]], xlabel: str, labels: tuple[str, str]
) -> str:
    """One panel per (null draws, observed value, title): the null as a histogram, the
    observed value as a red line."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 2.5), squeeze=False)
    for ax, (null, observed, title) in zip(axes[0], panels, strict=True):
        ax.hist(null, bins=30, color="#999", label=labels[1])
        ax.axvline(observed, color="#c0392b", linewidth=1.5, label=labels[0])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0][0].legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return _svg(fig)


def fingerprints(
    observed: np.ndarray,
    fitted: np.ndarray | None,
    titles: tuple[str, str],
    xlabel: str,
    ylabel: str,
) -> str:
    panels = [observed] if fitted is None else [observed, fitted]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.1), squeeze=False)
    vmax = max(float(np.percentile(observed[observed > 0], 99)) if observed.any() else 1.0, 1.0)
    for ax, h, title in zip(axes[0], panels, titles, strict=False):
        ax.imshow(
            h.T,
            origin="lower",
            extent=(0, 100, 0, 100),
            cmap="viridis",
            vmin=0,
            vmax=vmax,
            interpolation="none",
        )
        ax.set_title(title)
        ax.set_xlabel(xlabel)
    axes[0][0].set_ylabel(ylabel)
    return _svg(fig)


def votes_by_turnout(bins: np.ndarray, peak: float, labels: tuple[str, str], xlabel: str) -> str:
    fig, ax = plt.subplots(figsize=(7, 2.6))
    x = np.arange(100) + 0.5
    ax.plot(x, bins[1], color="#c0392b", label=labels[0])
    ax.plot(x, bins[2], color="#1f5fa8", label=labels[1])
    ax.axvline(peak + 0.5, color="#666", linestyle=":")
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def exit_poll(rows: list[dict[str, object]], xlabel: str, labels: tuple[str, str]) -> str:
    """Poll intervals (bars) and official shares (dots), one line per candidate."""
    n = len(rows)
    fig, ax = plt.subplots(figsize=(6, 0.35 * n + 0.9))
    y = np.arange(n)
    lo = np.array([float(r["poll_low"]) for r in rows])  # type: ignore[arg-type]
    hi = np.array([float(r["poll_high"]) for r in rows])  # type: ignore[arg-type]
    off = np.array([float(r["official_share_sampled"]) for r in rows])  # type: ignore[arg-type]
    ax.hlines(y, 100 * lo, 100 * hi, color="#1f5fa8", linewidth=4, label=labels[0])
    ax.plot(100 * off, y, "o", color="#c0392b", label=labels[1])
    ax.set_yticks(y)
    ax.set_yticklabels([str(r["candidate"])[:40] for r in rows])
    ax.set_xlabel(xlabel)
    ax.invert_yaxis()
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
