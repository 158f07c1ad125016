"""Charts and tables for the notebooks: every function takes ``ax=None`` and returns the axes.

Figures are shown with ``show(fig, alt)``, which attaches alt text (read by
screen readers and used as the plain-text view of the output) and closes the
figure so it is displayed exactly once.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from helpers.arguments import finite_array, listed, real_number, text_labels, whole_number
from helpers.errors import PlotError, wrap_public_functions


def _numbers(values: Sequence[float], name: str, *, minimum: float | None = None) -> np.ndarray:
    """``values`` as a 1-D float array of finite numbers, or a PlotError naming ``name``."""
    return finite_array(values, name, PlotError, ndim=1, minimum=minimum).astype(float)


def _pairs(pairs: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """``pairs`` as a list of (label, finite probability), or a PlotError: a NaN is never drawn as a bar."""
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Iterable):
        raise PlotError(f"pairs is a list of (label, probability) pairs, as classify() returns; got {pairs!r}.")
    pairs = list(pairs)
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], (str, np.str_))):
            raise PlotError(f"pairs holds (label, probability) pairs; got {pair!r} among them.")
        real_number(pair[1], f"the probability of {pair[0]!r}", PlotError)
    return pairs


def _optional(value: float | None, name: str, **bounds) -> float | None:
    """None, or ``value`` as a finite float within ``bounds`` (a PlotError naming ``name`` otherwise)."""
    return None if value is None else real_number(value, name, PlotError, **bounds)


def _axes(ax, figsize: tuple[float, float]):
    """``ax``, or the axes of a new figure of ``figsize`` inches."""
    return ax if ax is not None else plt.subplots(figsize=figsize)[1]


# Okabe–Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def short_label(label: str, width: int = 28) -> str:
    """The first name of an ImageNet label ("tabby, tabby cat" → "tabby"), cut to ``width``."""
    first = label.split(",")[0].strip()
    return first if len(first) <= width else first[: width - 1] + "…"


def probability_table(
    pairs: Sequence[tuple[str, float]], header: tuple[str, str] = ("Label", "Probability"), digits: int = 3
):
    """A Markdown table in the seed page's format (label | probability) for display in a notebook.

    Raises PlotError unless ``pairs`` holds (label, finite probability) pairs.
    """
    from IPython.display import Markdown

    pairs = _pairs(pairs)
    lines = [f"| {header[0]} | {header[1]} |", "|:--|--:|"]
    lines += [f"| {label} | {prob:.{digits}f} |" for label, prob in pairs]
    return Markdown("\n".join(lines))


def top_k_bars(pairs: Sequence[tuple[str, float]], title: str = "Top predictions", ax=None):
    """Horizontal bars of (label, probability) pairs, most probable on top.

    Raises PlotError unless ``pairs`` holds (label, finite probability) pairs.
    """
    pairs = _pairs(pairs)
    ax = _axes(ax, (6, 0.45 * len(pairs) + 1.2))
    labels = [short_label(label) for label, _ in pairs][::-1]
    probs = [prob for _, prob in pairs][::-1]
    bars = ax.barh(labels, probs, color=PALETTE[0])
    ax.bar_label(bars, labels=[f"{p:.2f}" for p in probs], padding=3)
    ax.set_xlim(0, 1.1)
    ax.set(xlabel="probability", ylabel="label", title=title)
    return ax


def top_k_alt(pairs: Sequence[tuple[str, float]], title: str) -> str:
    """Alt text for ``top_k_bars``, computed from the pairs it draws (introduced in notebook 01).

    Raises PlotError unless ``pairs`` holds (label, finite probability) pairs.
    """
    pairs = _pairs(pairs)
    listed = "; ".join(f"{short_label(label)} {prob:.2f}" for label, prob in pairs)
    return f"Horizontal bar chart, {title}: {listed}."


CREDIT_FONTSIZE = 10.0  # points: at 90 dpi and a grid no wider than the notebook (about 8.8 in), ≥ 9 pt on screen
CAPTION_FONTSIZE = 10.0


def wrap_credit(text: str, width_in: float, fontsize: float = CREDIT_FONTSIZE) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at ``fontsize`` points (introduced in notebook 01)."""
    import textwrap

    chars = max(12, int(width_in * 72 / (fontsize * 0.56)))  # an average sans-serif character is ~0.56 em wide
    return "\n".join(textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False)) if text else ""


def show_photos(
    images: Sequence, captions: Sequence[str], credits: Sequence[str] | None = None, columns: int = 3, size: float = 3.2
):
    """A grid of photos, each ``size`` inches wide with its caption above and its credit wrapped below; returns the axes.

    Every photo keeps its cell however long the credits are: each row is as tall as its photos
    plus its longest credit, so credits never overlap each other or a photo.
    Raises PlotError for lists of different lengths.
    """
    if not len(images) or len(captions) != len(images) or (credits is not None and len(credits) != len(images)):
        raise PlotError(
            f"show_photos needs one caption (and one credit, if any) per photo: got {len(images)} photos, "
            f"{len(captions)} captions, {'no' if credits is None else len(credits)} credits."
        )
    columns = max(1, min(columns, len(images)))
    rows = -(-len(images) // columns)
    gap, pad = 0.15, 0.08  # inches between cells, and between a photo and its texts
    line = CREDIT_FONTSIZE * 1.3 / 72
    caption_h = CAPTION_FONTSIZE * 1.6 / 72
    wrapped = [wrap_credit(credit, size) for credit in credits] if credits is not None else [""] * len(images)
    row_credit_h = [
        max((text.count("\n") + 1) * line if text else 0.0 for text in wrapped[r * columns : (r + 1) * columns])
        for r in range(rows)
    ]
    row_h = [caption_h + pad + size + (pad + h if h else 0.0) for h in row_credit_h]
    width, height = columns * size + (columns - 1) * gap, sum(row_h) + (rows - 1) * gap
    fig = plt.figure(figsize=(width, height))
    axes = np.empty((rows, columns), dtype=object)
    top = height
    for r in range(rows):
        photo_top = top - caption_h - pad
        for c in range(columns):
            ax = fig.add_axes([(c * (size + gap)) / width, (photo_top - size) / height, size / width, size / height])
            ax.axis("off")
            axes[r, c] = ax
            i = r * columns + c
            if i >= len(images):
                continue
            ax.imshow(images[i])
            ax.set_anchor("N")  # a landscape photo sits at the top of its cell, caption and credit next to it
            ax.set_title(captions[i], fontsize=CAPTION_FONTSIZE)
            if wrapped[i]:
                ax.annotate(
                    wrapped[i],
                    (0.5, 0.0),
                    xycoords="axes fraction",
                    xytext=(0, -pad * 72),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize=CREDIT_FONTSIZE,
                    linespacing=1.15,
                    color="#333333",
                )
        top -= row_h[r] + gap
    fig.photo_grid = True  # text_overlaps and the browser test look for these figures
    return axes


def text_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of visible texts in ``fig`` whose drawn boxes overlap (empty when every label is readable).

    Raises PlotError for a ``fig`` that is not a Matplotlib figure.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:  # tick labels outside the view limits are not drawn
            box = ax.get_window_extent(renderer)
            texts += [ax.xaxis.label, ax.yaxis.label]
            texts += [
                t
                for t in ax.get_xticklabels()
                if box.x0 - 1 <= t.get_window_extent(renderer).intervalx.mean() <= box.x1 + 1
            ]
            texts += [
                t
                for t in ax.get_yticklabels()
                if box.y0 - 1 <= t.get_window_extent(renderer).intervaly.mean() <= box.y1 + 1
            ]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    texts = [t for t in texts if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [
        (texts[i].get_text(), texts[j].get_text())
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if boxes[i].overlaps(boxes[j])
    ]


SHOWN: list[dict] = []  # one entry per photo grid shown in this kernel: what the browser test reads


def photo_grid_report() -> str:
    """One line per photo grid shown so far: its smallest photo cell and any overlapping texts (notebook 01)."""
    if not SHOWN:
        return "No photo grids shown yet."
    lines = [
        f"grid {i + 1}: photos {entry['cell_px']} px, {len(entry['overlaps'])} overlapping texts"
        + (f" ({entry['overlaps'][0][0][:30]!r} and {entry['overlaps'][0][1][:30]!r})" if entry["overlaps"] else "")
        for i, entry in enumerate(SHOWN)
    ]
    return "\n".join(lines)


def show(fig=None, alt: str = "") -> None:
    """Display a figure as PNG with alt text, then close it (one figure, one output).

    Raises PlotError when ``alt`` is empty.
    """
    from IPython.display import display

    fig = fig or plt.gcf()
    if not alt:
        raise PlotError("alt is empty: every figure needs alt text; pass alt='…' describing what the figure shows.")
    if getattr(fig, "photo_grid", False):
        cell = min(ax.get_window_extent().height for ax in fig.axes) * 90 / fig.dpi
        SHOWN.append({"cell_px": round(cell), "overlaps": text_overlaps(fig)})
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    display(
        {"image/png": buffer.getvalue(), "text/plain": f"[figure] {alt}"},
        raw=True,
        metadata={"image/png": {"alt": alt}},
    )


# --------------------------------------------------------------------------- notebooks 02 and 03


def probability_bars(labels: Sequence[str], probs: Sequence[float], title: str = "Probabilities", ax=None):
    """Vertical bars, one per label in the given order, each marked with its probability; the top one stands out.

    Made for short label lists such as the overview's (rabbit, hamster, dog).
    Raises PlotError for lists of different lengths, labels that are not strings, or probabilities that
    are not finite numbers (a NaN is refused, not drawn as the top bar).
    """
    labels = text_labels(labels, "labels", PlotError)
    probs = listed(probs)
    if len(labels) != len(probs):
        raise PlotError(f"{len(labels)} labels for {len(probs)} probabilities; they must match one to one.")
    values = [float(p) for p in _numbers(probs, "probs")]
    ax = _axes(ax, (max(3.0, 1.1 * len(labels) + 1.0), 3.2))
    best = int(np.argmax(values)) if values else -1
    colors = [PALETTE[1] if i == best else PALETTE[0] for i in range(len(values))]
    bars = ax.bar([short_label(label, 14) for label in labels], values, color=colors)
    ax.bar_label(bars, labels=[f"{p:.2f}" for p in values], padding=2)
    ax.set_ylim(0, 1.12)
    ax.set(xlabel="label", ylabel="probability", title=title)
    return ax


def temperature_curves(
    logits: Sequence[float], labels: Sequence[str], temperatures: Sequence[float] | None = None, ax=None
):
    """The softmax probability of each label as the temperature goes from sharp (T < 1) to flat (T > 1).

    Raises PlotError for lists of different lengths, or logits or temperatures that are not finite numbers
    (temperatures > 0).
    """
    from helpers.metrics import softmax

    labels = text_labels(labels, "labels", PlotError)
    logits = _numbers(logits, "logits")
    if len(labels) != len(logits):
        raise PlotError(f"{len(labels)} labels for {len(logits)} logits; they must match one to one.")
    temps = np.geomspace(0.1, 10, 81) if temperatures is None else _numbers(temperatures, "temperatures")
    if temps.min() <= 0:
        raise PlotError(f"temperatures must all be above 0; got {temps.min():g}.")
    probs = np.stack([softmax(np.asarray(logits, dtype=float), t) for t in temps])
    ax = _axes(ax, (6, 3.4))
    for i, label in enumerate(labels):
        ax.plot(temps, probs[:, i], color=PALETTE[i % len(PALETTE)], label=short_label(label), linewidth=2)
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.axhline(1 / len(labels), color="grey", linestyle="--", linewidth=1, label=f"even split (1/{len(labels)})")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set(
        xlabel="temperature T (log scale; T = 1 is the plain softmax)",
        ylabel="probability",
        title="Softmax with temperature",
    )
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax


def risk_coverage_curve(
    coverage: Sequence[float],
    accuracy: Sequence[float],
    label: str | None = None,
    chosen: tuple[float, float] | None = None,
    color: str | None = None,
    ax=None,
):
    """Accuracy of the answers kept against the fraction of answers kept; ``chosen`` marks one threshold.

    Call it once per model on the same ``ax`` to compare models (pass a different ``color``).
    Raises PlotError unless coverage and accuracy are finite numbers, one each.
    """
    if len(_numbers(coverage, "coverage")) != len(_numbers(accuracy, "accuracy")):
        raise PlotError(
            f"coverage and accuracy need one value each per point; got {len(coverage)} and {len(accuracy)}."
        )
    ax = _axes(ax, (6, 4))
    color = color or PALETTE[len(ax.get_lines()) % len(PALETTE)]
    ax.plot(coverage, accuracy, color=color, linewidth=2, label=label)
    if chosen is not None:
        ax.plot(
            [chosen[0]], [chosen[1]], marker="o", markersize=8, color=color, markeredgecolor="black", linestyle="none"
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set(
        xlabel="coverage: fraction of images answered",
        ylabel="accuracy of the answers given",
        title="Risk–coverage: answer less, be right more often",
    )
    ax.grid(alpha=0.3)
    if label is not None:
        ax.legend(loc="lower left", frameon=False)
    return ax


def grouped_bars(
    groups: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    ylabel: str,
    xlabel: str = "",
    ax=None,
    digits: int = 2,
):
    """Bars for several series (e.g. models) side by side within each group (e.g. photos); values in [0, 1].

    Raises PlotError for a series whose length differs from the groups or whose values are not finite numbers.
    """
    for name, values in series.items():
        if len(values) != len(groups):
            raise PlotError(f"Series {name!r} has {len(values)} values for {len(groups)} groups.")
        _numbers(values, f"series[{name!r}]")
    ax = _axes(ax, (max(5.0, 1.6 * len(groups) + 2), 3.6))
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for i, (name, values) in enumerate(series.items()):
        bars = ax.bar(
            x + (i - (len(series) - 1) / 2) * width, values, width, color=PALETTE[i % len(PALETTE)], label=name
        )
        ax.bar_label(bars, labels=[f"{v:.{digits}f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(x, groups)
    ax.set_ylim(0, 1.15)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return ax


# --------------------------------------------------------------------------- notebook 04 (model tradeoffs)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None):
    """A Markdown table for display in a notebook; ``align`` is one letter per column: l, r or c.

    Raises PlotError for an ``align`` of other letters or length, or a row whose length differs from the headers.
    """
    from IPython.display import Markdown

    headers = text_labels(headers, "headers", PlotError)
    align = align or "l" + "r" * (len(headers) - 1)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    if not isinstance(align, str) or set(align) - set(marks):
        raise PlotError(f"align is one letter per column, each l (left), r (right) or c (centre); got {align!r}.")
    if len(align) != len(headers):
        raise PlotError(f"align has {len(align)} letters for {len(headers)} columns.")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    for row in rows:
        if len(row) != len(headers):
            raise PlotError(f"A row has {len(row)} cells for {len(headers)} columns: {row!r}.")
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return Markdown("\n".join(lines))


def pareto_chart(
    names: Sequence[str],
    latency_ms: Sequence[float],
    accuracy: Sequence[float],
    size_mb: Sequence[float],
    budget_ms: float | None = 33.0,
    title: str = "Accuracy against latency",
    xlabel: str = "latency per image (ms, log scale)",
    ylabel: str = "top-1 accuracy (%)",
    ax=None,
):
    """Models as bubbles (area ∝ file size) with the Pareto front and a real-time budget line.

    Labels stand in a column right of the axes, in the order of the bubbles' heights, each joined to its bubble
    by a thin leader line: close or overlapping bubbles never crowd their labels. Raises PlotError for lists of
    different lengths or values that are not finite numbers (latencies > 0, sizes ≥ 0).
    """
    from helpers.bench import pareto_front

    if not len(names) == len(latency_ms) == len(accuracy) == len(size_mb):
        raise PlotError("names, latency_ms, accuracy and size_mb need one value per model.")
    lat, acc = _numbers(latency_ms, "latency_ms"), _numbers(accuracy, "accuracy")
    _numbers(size_mb, "size_mb", minimum=0)
    if lat.min() <= 0:
        raise PlotError(f"latency_ms must all be above 0 (the axis is logarithmic); got {lat.min():g}.")
    ax = _axes(ax, (9, 4.5))
    areas = [40 + 180 * float(size) for size in size_mb]
    for i in range(len(names)):
        ax.scatter(
            lat[i],
            acc[i],
            s=areas[i],
            color=PALETTE[i % len(PALETTE)],
            alpha=0.85,
            edgecolors="black",
            linewidths=0.6,
            zorder=3,
        )
    front = np.flatnonzero(pareto_front(lat, acc))
    order = front[np.argsort(lat[front])]
    ax.plot(
        lat[order],
        acc[order],
        color="grey",
        linestyle="-",
        linewidth=1.2,
        zorder=2,
        label="Pareto front: nothing is both faster and more accurate",
    )
    ax.set_xscale("log")
    high = max(float(lat.max()), budget_ms or 0.0)
    ax.set_xlim(float(lat.min()) / 1.8, high * 1.8)
    if budget_ms is not None:
        ax.axvline(
            budget_ms,
            color=PALETTE[5],
            linestyle="--",
            linewidth=1.5,
            label=f"{budget_ms:g} ms budget: {1000 / budget_ms:.0f} frames per second",
        )
    ax.margins(y=0.1)
    ax.autoscale_view()
    ax.set_xlabel(xlabel, fontsize=11)
    ax.set_ylabel(ylabel, fontsize=11)
    ax.set_title(title, fontsize=12)
    ax.tick_params(labelsize=10)
    ax.grid(alpha=0.3, which="both")
    # The label column: each label at its bubble's height (axes fraction), pushed down just enough to keep
    # one line of text between neighbours, then the whole column shifted up if it ran below the axes.
    bottom, top = ax.get_ylim()
    height_pt = max(ax.get_window_extent().height * 72 / ax.figure.dpi, 1.0)
    gap = 14 / height_pt
    ranked = list(np.argsort(-acc, kind="stable"))
    ys = [(float(acc[i]) - bottom) / (top - bottom) for i in ranked]
    for k in range(1, len(ys)):
        ys[k] = min(ys[k], ys[k - 1] - gap)
    if ys and ys[-1] < 0:
        ys = [y - ys[-1] for y in ys]
    from matplotlib.patches import ConnectionPatch

    for y, i in zip(ys, ranked):
        ax.text(
            1.03, y, f"{names[i]} ({float(size_mb[i]):.1f} MB)", transform=ax.transAxes, ha="left", va="center",
            fontsize=10, clip_on=False,
        )  # fmt: skip
        ax.add_artist(
            ConnectionPatch(
                (lat[i], acc[i]), (1.025, y), ax.transData, ax.transAxes, color=PALETTE[i % len(PALETTE)],
                linewidth=0.8, shrinkA=np.sqrt(areas[i]) / 2, shrinkB=0, zorder=2.5, clip_on=False,
            )
        )  # fmt: skip
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, fontsize=10, frameon=False)
    return ax


def latency_histogram(
    times_ms: Sequence[float], title: str = "Latency of repeated invoke() calls", bins: int = 30, ax=None
):
    """A histogram of single-call timings with the median and the 90th percentile marked.

    Raises PlotError for no timings or timings that are not finite numbers.
    """
    values = np.asarray(times_ms, dtype=float)
    if values.size == 0:
        raise PlotError("No timings to plot: times_ms is empty; pass the measured times in milliseconds.")
    values = finite_array(values, "times_ms", PlotError)
    ax = _axes(ax, (6, 3.4))
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.85)
    median, p90 = np.percentile(values, [50, 90])
    ax.axvline(median, color=PALETTE[1], linewidth=2, label=f"median {median:.2f} ms")
    ax.axvline(p90, color=PALETTE[5], linewidth=2, linestyle="--", label=f"90th percentile {p90:.2f} ms")
    ax.set(xlabel="time of one invoke() (ms)", ylabel="number of calls", title=title)
    ax.legend(frameon=False)
    return ax


def interval_chart(
    names: Sequence[str],
    values: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    reference: Sequence[float | None] | None = None,
    value_label: str = "measured",
    reference_label: str = "published",
    title: str = "Accuracy with 95 % intervals",
    xlabel: str = "top-1 accuracy (%)",
    ax=None,
):
    """One row per model: a measured value with its interval, and (optionally) a reference value beside it.

    Raises PlotError for lists of different lengths or values that are not finite numbers.
    """
    if not len(names) == len(values) == len(lows) == len(highs):
        raise PlotError("names, values, lows and highs need one value per model.")
    for name, numbers in (("values", values), ("lows", lows), ("highs", highs)):
        _numbers(numbers, name)
    if reference is not None:
        for r in reference:
            _optional(r, "each reference value")
    ax = _axes(ax, (7, 0.45 * len(names) + 1.4))
    y = np.arange(len(names))[::-1]
    vals = np.asarray(values, dtype=float)
    errors = np.vstack([vals - np.asarray(lows, dtype=float), np.asarray(highs, dtype=float) - vals])
    ax.errorbar(vals, y, xerr=errors, fmt="o", color=PALETTE[0], capsize=4, label=value_label)
    if reference is not None:
        ref_y = [yy for yy, r in zip(y, reference, strict=True) if r is not None]
        ref_x = [float(r) for r in reference if r is not None]
        ax.scatter(ref_x, ref_y, marker="D", color=PALETTE[1], zorder=3, label=reference_label)
    ax.set_yticks(y, names)
    ax.set(xlabel=xlabel, ylabel="model", title=title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return ax


# --------------------------------------------------------------------------- notebook 05 (quantization)


def size_bars(
    names: Sequence[str],
    sizes_bytes: Sequence[int],
    reference: int | None = None,
    title: str = "Model file size",
    ax=None,
):
    """Horizontal bars of file sizes in MB (10⁶ bytes), each labelled with its size and its ratio to ``reference``.

    Raises PlotError for lists of different lengths, sizes that are not whole numbers of bytes ≥ 0 (a size
    in MB such as 4.7 is refused, not truncated).
    """
    if len(names) != len(sizes_bytes):
        raise PlotError(f"{len(names)} names for {len(sizes_bytes)} sizes; they must match one to one.")
    if len(sizes_bytes):
        finite_array(sizes_bytes, "sizes_bytes", PlotError, ndim=1, integer=True, minimum=0)
    ax = _axes(ax, (6.5, 0.5 * len(names) + 1.3))
    megabytes = [int(s) / 1e6 for s in sizes_bytes][::-1]
    bars = ax.barh(list(names)[::-1], megabytes, color=[PALETTE[i % len(PALETTE)] for i in range(len(names))][::-1])
    labels = [f"{mb:.2f} MB" + (f"  (×{mb * 1e6 / reference:.2f})" if reference else "") for mb in megabytes]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=9)
    ax.set_xlim(0, max(megabytes, default=1.0) * 1.45)
    ax.set(
        xlabel="file size (MB)" + (" — in brackets: ratio to the reference" if reference else ""),
        ylabel="model",
        title=title,
    )
    return ax


def error_histogram(
    errors: Sequence[float],
    bound: float | None = None,
    bins: int = 41,
    title: str = "Quantization error",
    xlabel: str = "error",
    ax=None,
):
    """A histogram of rounding errors; ``bound`` draws the ±bound lines the errors should stay within.

    Raises PlotError for no errors or errors that are not finite numbers.
    """
    values = np.asarray(errors, dtype=float).ravel()
    if values.size == 0:
        raise PlotError("No errors given: pass at least one value.")
    values = finite_array(values, "errors", PlotError)
    ax = _axes(ax, (6, 3.4))
    ax.hist(values, bins=bins, color=PALETTE[0], edgecolor="white", linewidth=0.5)
    if bound is not None:
        for x in (-bound, bound):
            ax.axvline(x, color=PALETTE[5], linestyle="--", linewidth=1.5)
        ax.text(bound, ax.get_ylim()[1] * 0.95, f" ±{bound:g}", color=PALETTE[5], va="top", fontsize=9)
    ax.set(xlabel=xlabel, ylabel="number of values", title=title)
    return ax


# --------------------------------------------------------------------------- notebook 06 (transfer learning)


def training_curve(history: dict[str, Sequence[float]], title: str = "Training the head", ax=None):
    """The training loss per step (left axis) and, if recorded, the validation accuracy (right axis).

    Raises PlotError for a ``history`` without a non-empty ``"loss"`` list, or a ``"val_accuracy"`` list of
    another length.
    """
    if "loss" not in history or not len(history["loss"]):
        raise PlotError("history needs a non-empty 'loss' list (as recorded by helpers.transfer.train_head).")
    ax = _axes(ax, (6.5, 3.6))
    steps = np.arange(1, len(history["loss"]) + 1)
    lines = ax.plot(steps, history["loss"], color=PALETTE[0], linewidth=2, label="training loss (cross-entropy)")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("training loss", color=PALETTE[0])
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if history.get("val_accuracy"):
        right = ax.twinx()
        lines += right.plot(
            steps, history["val_accuracy"], color=PALETTE[1], linewidth=2, linestyle="--", label="validation accuracy"
        )
        right.set_ylim(0, 1.02)
        right.set_ylabel("validation accuracy", color=PALETTE[1])
    ax.legend(lines, [line.get_label() for line in lines], loc="center right", frameon=False)
    return ax


def confusion_heatmap(matrix, classes: Sequence[str], title: str = "Confusion matrix", ax=None):
    """Counts of true (rows) against predicted (columns) classes, each cell labelled with its count.

    Raises PlotError for a matrix that is not classes × classes finite counts ≥ 0.
    """
    counts = np.asarray(matrix)
    if counts.ndim != 2 or counts.shape != (len(classes), len(classes)):
        raise PlotError(
            f"Expected a {len(classes)}×{len(classes)} matrix for {len(classes)} classes; got shape {counts.shape}."
        )
    if counts.size:
        finite_array(counts, "matrix", PlotError, minimum=0)
    ax = _axes(ax, (1.0 * len(classes) + 2.2, 0.9 * len(classes) + 1.6))
    image = ax.imshow(counts, cmap="cividis", vmin=0)
    threshold = counts.max() / 2 if counts.size else 0
    for (row, column), value in np.ndenumerate(counts):
        ax.text(
            column,
            row,
            str(value),
            ha="center",
            va="center",
            fontsize=9,
            color="black" if value > threshold else "white",
        )
    names = [short_label(c, 14) for c in classes]
    ax.set_xticks(range(len(classes)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="images")
    return ax


def accuracy_by_size_chart(
    sizes: Sequence[int],
    series: dict[str, np.ndarray],
    chance: float | None = None,
    title: str = "Accuracy against training-set size",
    ax=None,
):
    """Mean accuracy (line) and the range over repeated draws (band) against images per class, log scale.

    Raises PlotError for a ``series`` that is not a dict of arrays holding the same number of repeats for each
    of ``sizes``, or a ``chance`` that is not a number (or None).
    """
    ax = _axes(ax, (6.5, 4))
    for i, (name, results) in enumerate(series.items()):
        values = np.asarray(results, dtype=float).reshape(len(sizes), -1)
        color = PALETTE[i % len(PALETTE)]
        ax.fill_between(sizes, values.min(axis=1), values.max(axis=1), color=color, alpha=0.2, linewidth=0)
        ax.plot(sizes, values.mean(axis=1), color=color, marker="o", linewidth=2, label=name)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle=":", linewidth=1, label=f"chance ({chance:.2f})")
    ax.set_xscale("log")
    ax.set_xticks(list(sizes), [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_ylim(0, 1.02)
    ax.set(xlabel="training images per class (log scale)", ylabel="validation accuracy", title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=False)
    return ax


def scatter_by_class(
    points,
    labels,
    classes: Sequence[str],
    title: str = "Feature vectors, projected to 2-D",
    xlabel: str = "first principal component",
    ylabel: str = "second principal component",
    ax=None,
):
    """A 2-D scatter of ``points`` (n, 2), one colour and marker per class.

    Raises PlotError unless ``points`` is an (n, 2) array of finite numbers and ``labels`` holds one class
    index per point, each an index into ``classes`` (a class name is not an index: use classes.index(name)).
    """
    xy = finite_array(points, "points", PlotError, ndim=2)
    y = finite_array(labels, "labels (class indices)", PlotError, ndim=1, integer=True, minimum=0)
    if xy.shape[1] != 2 or len(y) != len(xy):
        raise PlotError(f"Expected (n, 2) points with one label each; got {xy.shape} and {len(y)} labels.")
    if y.max() >= len(classes):
        raise PlotError(f"labels holds class index {y.max()}, but classes names only {len(classes)} classes.")
    ax = _axes(ax, (6, 4.5))
    markers = "osD^vP*X"
    for i, name in enumerate(classes):
        chosen = y == i
        ax.scatter(
            xy[chosen, 0],
            xy[chosen, 1],
            s=14,
            alpha=0.75,
            color=PALETTE[i % len(PALETTE)],
            marker=markers[i % len(markers)],
            label=name,
        )
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return ax


def history_curves(
    history: dict[str, Sequence[float]], title: str = "Training the Keras head", best: int | None = None, axes=None
):
    """Keras ``History.history``: loss and accuracy per epoch, training against validation, side by side.

    ``best`` marks the epoch (1-based) whose weights were kept (early stopping).
    Introduced in notebook 06; returns the two axes.
    Raises PlotError for a ``history`` that is not a dict with non-empty ``"loss"`` and ``"val_loss"`` lists,
    an ``"accuracy"`` list without ``"val_accuracy"``, validation lists of another length than the training's, or
    a ``best`` that is not one of the epochs.
    """
    missing = [key for key in ("loss", "val_loss") if not history.get(key)]
    if missing:
        raise PlotError(f"history needs {missing}: pass validation_data= to model.fit and give History.history.")
    if best is not None:
        best = whole_number(best, "best (an epoch, counted from 1)", PlotError, minimum=1, maximum=len(history["loss"]))
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, label in zip(axes, ("loss", "accuracy"), ("loss (cross-entropy)", "accuracy")):
        if not history.get(key):
            ax.set_visible(False)
            continue
        ax.plot(epochs, history[key], color=PALETTE[0], linewidth=2, marker=".", label="training")
        ax.plot(
            epochs, history[f"val_{key}"], color=PALETTE[1], linewidth=2, linestyle="--", marker=".", label="validation"
        )
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"kept (epoch {best})")
        ax.set(xlabel="epoch", ylabel=label)
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    axes[0].set_ylim(bottom=0)
    axes[0].figure.suptitle(title)
    return axes


# --------------------------------------------------------------------------- notebook 01, section 8


def detection_boxes(image, detections: Sequence, title: str = "Detected objects", ax=None):
    """The photo with one labelled box per detection (label and score), colours by label; returns the axes.

    Raises PlotError for an ``image`` that is not a PIL image (when ``ax`` is None), or ``detections`` that
    are not (label, score, (x, y, width, height)) items as ``helpers.detection.detect`` returns.
    """
    from matplotlib.patches import Rectangle

    ax = _axes(ax, (8, 8 * image.height / max(image.width, 1) + 0.5))
    ax.imshow(image)
    colours: dict[str, str] = {}
    for label, score, (x, y, width, height) in detections:
        colour = colours.setdefault(label, PALETTE[len(colours) % len(PALETTE)])
        ax.add_patch(Rectangle((x, y), width, height, fill=False, edgecolor=colour, linewidth=2.5))
        ax.text(
            x + 3,
            y + 3,
            f"{label} {score:.2f}",
            color="white",
            fontsize=9,
            va="top",
            bbox={"facecolor": colour, "alpha": 0.85, "pad": 1.5, "edgecolor": "none"},
        )
    ax.set(title=title, xlabel="x (pixels)", ylabel="y (pixels)")
    return ax


def segmentation_overlay(
    image, mask: np.ndarray, labels: Sequence[str], title: str = "Segmentation", alpha: float = 0.55, ax=None
):
    """The photo with each pixel tinted by its class, and a legend of the classes present with their share.

    Raises PlotError for a mask of another size than the image, or holding anything but class indices
    0 … len(labels) - 1.
    """
    from matplotlib.patches import Patch

    mask = np.asarray(mask)
    if mask.shape != (image.height, image.width):
        raise PlotError(f"The mask is {mask.shape} but the image is {image.height}×{image.width}; they must match.")
    labels = text_labels(labels, "labels", PlotError)
    if mask.size:
        finite_array(mask, "mask", PlotError, integer=True, minimum=0, maximum=len(labels) - 1)
    if mask.dtype.kind not in "iu":
        raise PlotError(f"mask holds class indices (whole numbers); got an array of {mask.dtype}.")
    ax = _axes(ax, (6, 6 * image.height / max(image.width, 1) + 0.8))
    counts = np.bincount(mask.ravel(), minlength=len(labels))
    present = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    colours = {index: PALETTE[n % len(PALETTE)] for n, index in enumerate(present)}
    tint = np.zeros((*mask.shape, 4), dtype=np.float32)
    for index, colour in colours.items():
        rgba = plt.matplotlib.colors.to_rgba(colour, alpha)
        tint[mask == index] = rgba
    ax.imshow(image)
    ax.imshow(tint)
    handles = [Patch(color=colours[i], label=f"{labels[i]} {counts[i] / mask.size:.0%}") for i in present]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="class, share of pixels")
    ax.set(title=title, xlabel="x (pixels)", ylabel="y (pixels)")
    return ax


# --------------------------------------------------------------------------- notebook 09 (live camera)

STAGE_COLORS = {
    "capture": PALETTE[1],
    "transfer": PALETTE[4],
    "preprocess": PALETTE[2],
    "invoke": PALETTE[0],
    "display": PALETTE[3],
}


def stage_breakdown(
    stage_ms: dict[str, dict[str, float]], budget_ms: float, title: str = "Where a frame's time goes", ax=None
):
    """One stacked horizontal bar per row (e.g. per model): milliseconds per stage, and the budget as a line.

    Raises PlotError for no rows or stage times that are not finite numbers ≥ 0.
    """
    if not stage_ms:
        raise PlotError("Give at least one row: {'model': {'capture': ms, 'invoke': ms, …}}.")
    for name, row in stage_ms.items():
        _numbers(list(row.values()), f"stage_ms[{name!r}]", minimum=0)
    ax = _axes(ax, (7.5, 0.5 * len(stage_ms) + 1.6))
    names = list(stage_ms)[::-1]
    stages = list(next(iter(stage_ms.values())))
    left = np.zeros(len(names))
    for stage in stages:
        values = np.array([stage_ms[name][stage] for name in names], dtype=float)
        ax.barh(names, values, left=left, color=STAGE_COLORS.get(stage, PALETTE[7]), label=stage)
        left += values
    ax.axvline(budget_ms, color=PALETTE[5], linestyle="--", linewidth=1.5, label=f"budget {budget_ms:.1f} ms")
    ax.set_xlim(0, max(left.max(), budget_ms) * 1.12)
    ax.set(xlabel="milliseconds per frame (medians)", ylabel="model" if len(names) > 1 else "", title=title)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(names) > 2 else -0.45), ncol=6, frameon=False, fontsize=8
    )
    return ax


def policy_latency(simulations: Sequence, title: str = "A 30 fps camera and a slower model", ax=None):
    """Latency of each processed frame against the time it arrived, one line per policy (helpers.camera.simulate).

    Raises PlotError for ``simulations`` that are not a list of ``Simulation`` results.
    """
    ax = _axes(ax, (6.5, 3.6))
    for i, run in enumerate(simulations):
        arrived = [frame.arrived_ms / 1000 for frame in run.processed]
        ax.plot(
            arrived,
            run.latencies_ms,
            marker=".",
            color=PALETTE[i % len(PALETTE)],
            linewidth=1.5,
            label=f"{run.policy}: {len(run.processed)} answered, {run.dropped} dropped",
        )
    ax.set(xlabel="time the frame arrived (s)", ylabel="latency to its answer (ms)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return ax


# --------------------------------------------------------------------------- notebook 10 (explanations)


def _map_colours(explanation) -> tuple[str, float, float, str]:
    """Colour map, limits and colour-bar label for a map: drops are signed (diverging), others not."""
    values = explanation.values
    if explanation.method == "occlusion":
        limit = float(np.abs(values).max()) or 1.0
        return "RdBu_r", -limit, limit, "drop in probability when covered"
    return "magma", 0.0, float(values.max()) or 1.0, f"{explanation.method} importance"


def explanation_overlay(
    pixels,
    explanation,
    alpha: float = 0.5,
    boxes: dict | None = None,
    title: str | None = None,
    ax=None,
    credit: str = "",
):
    """The model's input with a map over it (colour bar included); ``boxes`` = {name: (left, top, right, bottom)}.

    ``credit`` (the photo's credit line) is written under the x-axis label, wrapped to the axes' width.
    Side by side, make the figure with ``layout="constrained"`` so colour bars and labels keep apart.

    Raises PlotError for an ``explanation`` that is not an ``Explanation``, ``pixels`` that are not an image,
    ``boxes`` that are not a dict of four-number boxes, or an ``alpha`` outside 0 … 1.
    """
    from matplotlib.patches import Rectangle

    ax = _axes(ax, (4.6, 4))
    cmap, low, high, bar_label = _map_colours(explanation)
    ax.imshow(pixels)
    layer = ax.imshow(explanation.pixels(), cmap=cmap, vmin=low, vmax=high, alpha=alpha)
    colour_bar = ax.figure.colorbar(layer, ax=ax, fraction=0.046, pad=0.03)
    colour_bar.set_label(bar_label, fontsize=8)
    for i, (name, (left, top, right, bottom)) in enumerate((boxes or {}).items()):
        colour = PALETTE[(i + 2) % len(PALETTE)]
        ax.add_patch(
            Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor=colour, linewidth=2)
        )
        ax.text(left + 2, top + 10, name, color="white", fontsize=8, bbox={"facecolor": colour, "alpha": 0.8, "pad": 1})
    row, col = explanation.peak()
    y = (explanation.row_edges[row] + explanation.row_edges[row + 1]) / 2 - 0.5
    x = (explanation.col_edges[col] + explanation.col_edges[col + 1]) / 2 - 0.5
    ax.plot([x], [y], marker="x", markersize=10, markeredgewidth=2, color="black")
    ax.set_title(title or f"{explanation.method}: '{short_label(explanation.label)}'", fontsize=10)
    ax.set(xlabel="x (input pixels)", ylabel="y (input pixels)")
    if credit:
        width, size = ax.get_position().width * ax.figure.get_figwidth(), max(9.0, CREDIT_FONTSIZE)
        ax.annotate(
            wrap_credit(credit, max(width, 1.0), size),
            xy=(0.0, 0.0),
            xycoords=("axes fraction", ax.xaxis.label),
            xytext=(0, -4),
            textcoords="offset points",
            va="top",
            fontsize=size,
            color="#333333",
        )
    return ax


def deletion_chart(curves: dict, title: str = "Deletion curves", ax=None):
    """The class's probability as cells are covered, one line per order (``{name: DeletionCurve}``).

    Raises PlotError for ``curves`` that are not a dict of ``DeletionCurve`` results.
    """

    ax = _axes(ax, (6, 3.6))
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(
            curve.fraction,
            curve.scores,
            color=PALETTE[i % len(PALETTE)],
            linewidth=2,
            marker="o",
            markersize=3,
            label=f"{name} (area {curve.area:.2f})",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, None)
    ax.set(xlabel="fraction of the image covered", ylabel="probability of the class", title=title)
    ax.legend(frameon=False, fontsize=8)
    return ax


def randomization_chart(
    levels: Sequence[str],
    series: dict[str, Sequence[float]],
    threshold: float | None = 0.5,
    title: str = "Cascading randomization",
    ax=None,
):
    """Rank correlation with the trained model's map as more top layers are randomized, one line per method."""
    ax = _axes(ax, (6.4, 3.6))
    positions = np.arange(len(levels))
    for i, (name, values) in enumerate(series.items()):
        ax.plot(positions, values, color=PALETTE[i % len(PALETTE)], marker="o", linewidth=2, label=name)
    if threshold is not None:
        ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"similar above {threshold:g}")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xticks(positions, levels, rotation=25, ha="right", fontsize=8)
    ax.set_ylim(-1.05, 1.05)
    ax.set(
        xlabel="layers re-initialized at random, from the top",
        ylabel="rank correlation with the trained map",
        title=title,
    )
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return ax


wrap_public_functions(
    globals(), PlotError
)  # a raw error from bad arguments (TypeError, KeyError, ...) becomes a PlotError
