"""Charts and tables for the notebooks: every function takes ``ax=None`` and returns the axes.

Figures are shown with ``show(fig, alt)``, which attaches alt text (read by
screen readers and used as the plain-text view of the output) and closes the
figure so it is displayed exactly once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

# Okabe–Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def short_label(label: str, width: int = 28) -> str:
    """The first name of an ImageNet label ("tabby, tabby cat" → "tabby"), cut to ``width``."""
    first = label.split(",")[0].strip()
    return first if len(first) <= width else first[: width - 1] + "…"


def probability_table(pairs: Sequence[tuple[str, float]], header: tuple[str, str] = ("Label", "Probability"),
                      digits: int = 3):
    """A Markdown table in the seed page's format (label | probability) for display in a notebook."""
    from IPython.display import Markdown

    lines = [f"| {header[0]} | {header[1]} |", "|:--|--:|"]
    lines += [f"| {label} | {prob:.{digits}f} |" for label, prob in pairs]
    return Markdown("\n".join(lines))


def top_k_bars(pairs: Sequence[tuple[str, float]], title: str = "Top predictions", ax=None):
    """Horizontal bars of (label, probability) pairs, most probable on top."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.45 * len(pairs) + 1.2))
    labels = [short_label(label) for label, _ in pairs][::-1]
    probs = [prob for _, prob in pairs][::-1]
    bars = ax.barh(labels, probs, color=PALETTE[0])
    ax.bar_label(bars, labels=[f"{p:.2f}" for p in probs], padding=3)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("probability")
    ax.set_ylabel("label")
    ax.set_title(title)
    return ax


def show_photos(images: Sequence, captions: Sequence[str], credits: Sequence[str] | None = None,
                columns: int = 3, size: float = 3.2):
    """A grid of photos, each with a caption and (small, below) its credit line; returns the axes."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i])
            ax.set_title(captions[i], fontsize=10)
            if credits is not None:
                ax.text(0.5, -0.04, credits[i], transform=ax.transAxes, ha="center", va="top", fontsize=6, wrap=True)
    fig.tight_layout()
    return axes


def show(fig=None, alt: str = "") -> None:
    """Display a figure as PNG with alt text, then close it (one figure, one output)."""
    from IPython.display import display

    fig = fig or plt.gcf()
    if not alt:
        raise ValueError("Every figure needs alt text: describe what it shows.")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    display({"image/png": buffer.getvalue(), "text/plain": f"[figure] {alt}"}, raw=True,
            metadata={"image/png": {"alt": alt}})


def figure_of(ax):
    """The figure an axes (or array of axes) belongs to."""
    first = np.ravel(ax)[0] if isinstance(ax, np.ndarray) else ax
    return first.figure
