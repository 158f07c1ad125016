"""Charts and tables for the notebooks: each chart takes ``ax=None`` (then makes its own figure) and returns its axes.

``show(fig, alt)`` displays a figure once, with alt text (read by screen readers, and the output's plain-text view).
Checked here, as a PlotError: lists that do not match one to one, numbers that are not finite (a NaN is never drawn).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from matplotlib.patches import ConnectionPatch, Patch, Rectangle

from helpers.arguments import finite_array, real_number, text_labels, whole_number
from helpers.bench import pareto_front
from helpers.errors import PlotError, wrap_public_functions

# Okabe–Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
CREDIT_FONTSIZE = 10.0  # points: at 90 dpi and a grid no wider than the notebook (about 8.8 in), ≥ 9 pt on screen
CAPTION_FONTSIZE = 10.0


def _numbers(values, name: str, positive: str = "", **bounds) -> np.ndarray:
    """``values`` as a float array of finite numbers within ``bounds`` (all > 0, for the reason ``positive`` gives)."""
    array = finite_array(values, name, PlotError, **bounds).astype(float)
    if positive and array.min() <= 0:
        raise PlotError(f"{name} must all be above 0 ({positive}); got {array.min():g}.")
    return array


def _one_each(**named) -> tuple:
    """The lists in ``named``; a PlotError unless all (but None) are as long (a longer one would be cut off unseen)."""
    lengths = {name: len(values) for name, values in named.items() if values is not None}
    if len(set(lengths.values())) > 1:
        names, counts = list(lengths), ", ".join(f"{count} {name}" for name, count in lengths.items())
        raise PlotError(f"{', '.join(names[:-1])} and {names[-1]} must match one to one; got {counts}.")
    return tuple(named.values())


def _pairs(pairs) -> tuple[list[str], list[float]]:
    """The labels and probabilities of (label, probability) pairs, as ``Classifier.classify`` returns them."""
    pairs = list(pairs)
    labels = text_labels([label for label, _ in pairs], "the labels of pairs", PlotError)
    return labels, [real_number(prob, f"the probability of {label!r}", PlotError) for label, prob in pairs]


def _axes(ax, figsize: tuple[float, float], lines=(), **settings):
    """``ax`` (or a new ``figsize`` figure's) with ``settings`` set and ``lines`` = (x, y, style) in palette order."""
    ax = ax if ax is not None else plt.subplots(figsize=figsize)[1]
    ax.set(**settings)
    for i, (x, y, style) in enumerate(lines):
        ax.plot(x, y, **{"color": PALETTE[i % 8], "linewidth": 2, **style})
    return ax


def _done(ax, grid: bool = False, **legend):
    """``ax`` with a light grid (if ``grid``) and a frameless legend made with ``legend``'s options."""
    if grid:
        ax.grid(alpha=0.3)
    ax.legend(**{"frameon": False, **legend})
    return ax


def short_label(label: str, width: int = 28) -> str:
    """The first name of an ImageNet label ("tabby, tabby cat" → "tabby"), cut to ``width``."""
    first = label.split(",")[0].strip()
    return first if len(first) <= width else first[: width - 1] + "…"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None):
    """A Markdown table; ``align`` is one letter per column (l, r or c). PlotError: a row not one cell per header."""
    headers = text_labels(headers, "headers", PlotError)
    marks = [{"l": ":--", "r": "--:", "c": ":-:"}[a] for a in align or "l" + "r" * (len(headers) - 1)]
    _one_each(columns=headers, align=marks)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(marks) + "|"]
    for row in rows:
        _one_each(columns=headers, row=row)
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return Markdown("\n".join(lines))


def probability_table(pairs: Sequence[tuple[str, float]], header=("Label", "Probability"), digits: int = 3):
    """A Markdown table in the seed page's format (label | probability) of (label, probability) pairs."""
    return markdown_table(header, [[label, f"{prob:.{digits}f}"] for label, prob in zip(*_pairs(pairs))])


def top_k_bars(pairs: Sequence[tuple[str, float]], title: str = "Top predictions", ax=None):
    """Horizontal bars of (label, probability) pairs, most probable on top."""
    labels, probs = _pairs(pairs)
    ax = _axes(ax, (6, 0.45 * len(labels) + 1.2), xlabel="probability", ylabel="label", title=title, xlim=(0, 1.1))
    bars = ax.barh([short_label(label) for label in labels][::-1], probs[::-1], color=PALETTE[0])
    ax.bar_label(bars, labels=[f"{p:.2f}" for p in probs[::-1]], padding=3)
    return ax


def top_k_alt(pairs: Sequence[tuple[str, float]], title: str) -> str:
    """Alt text for ``top_k_bars``, computed from the (label, probability) pairs it draws."""
    listed = "; ".join(f"{short_label(label)} {prob:.2f}" for label, prob in zip(*_pairs(pairs)))
    return f"Horizontal bar chart, {title}: {listed}."


def _wrap(text: str, width_in: float) -> str:
    """``text`` broken into lines that fit ``width_in`` inches at the credits' font size."""
    chars = max(12, int(width_in * 72 / (CREDIT_FONTSIZE * 0.56)))  # an average sans-serif character is ~0.56 em wide
    return "\n".join(textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False))


def _credit(ax, text: str, width_in: float, xy, xycoords, offset: float, **style):
    """A photo's credit, wrapped to ``width_in`` inches, ``offset`` points below ``xy``."""
    where = {"xycoords": xycoords, "xytext": (0, -offset), "textcoords": "offset points", "va": "top"}
    return ax.annotate(_wrap(text, width_in), xy, **where, fontsize=CREDIT_FONTSIZE, color="#333333", **style)


def show_photos(images: Sequence, captions: Sequence[str], credits=None, columns: int = 3, size: float = 3.2):
    """A grid of photos ``size`` inches wide, caption above, credit wrapped below; returns the axes (rows × columns).
    Each row is as tall as its photos plus its longest credit, so credits never overlap each other or a photo."""
    _one_each(images=images, captions=captions, credits=credits)
    credits = credits if credits is not None else [""] * len(images)
    columns = max(1, min(columns, len(images)))
    rows = -(-len(images) // columns)
    gap, pad = 0.15, 0.08  # inches between cells, and between a photo and its texts
    line, caption_h = CREDIT_FONTSIZE * 1.3 / 72, CAPTION_FONTSIZE * 1.6 / 72
    credit_lines = [_wrap(credit, size).count("\n") + 1 if credit else 0 for credit in credits]
    most = [max(credit_lines[r * columns : (r + 1) * columns]) for r in range(rows)]
    row_h = [caption_h + pad + size + (pad + n * line if n else 0.0) for n in most]
    width, height = columns * size + (columns - 1) * gap, sum(row_h) + (rows - 1) * gap
    fig = plt.figure(figsize=(width, height))
    axes = np.empty((rows, columns), dtype=object)
    for (r, c), _ in np.ndenumerate(axes):
        bottom = height - sum(row_h[:r]) - r * gap - caption_h - pad - size
        ax = axes[r, c] = fig.add_axes([c * (size + gap) / width, bottom / height, size / width, size / height])
        ax.axis("off")
        if (i := r * columns + c) < len(images):
            ax.imshow(images[i])
            ax.set_anchor("N")  # a landscape photo sits at the top of its cell, caption and credit next to it
            ax.set_title(captions[i], fontsize=CAPTION_FONTSIZE)
            if credits[i]:
                _credit(ax, credits[i], size, (0.5, 0.0), "axes fraction", pad * 72, ha="center", linespacing=1.15)
    return axes


def show(fig=None, alt: str = "") -> None:
    """Display a figure (default: the current one) as PNG with alt text, then close it. PlotError: no ``alt``."""
    fig = fig or plt.gcf()
    if not alt:
        raise PlotError("alt is empty: every figure needs alt text; pass alt='…' describing what the figure shows.")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    data = {"image/png": buffer.getvalue(), "text/plain": f"[figure] {alt}"}
    display(data, raw=True, metadata={"image/png": {"alt": alt}})


def probability_bars(labels: Sequence[str], probs: Sequence[float], title: str = "Probabilities", ax=None):
    """Vertical bars, one per label in the given order, each marked with its probability; the top one stands out."""
    labels, values = _one_each(labels=text_labels(labels, "labels", PlotError), probs=_numbers(probs, "probs", ndim=1))
    size = (max(3.0, 1.1 * len(labels) + 1.0), 3.2)
    ax = _axes(ax, size, xlabel="label", ylabel="probability", title=title, ylim=(0, 1.12))
    colors = [PALETTE[1] if i == np.argmax(values) else PALETTE[0] for i in range(len(values))]
    bars = ax.bar([short_label(label, 14) for label in labels], values, color=colors)
    ax.bar_label(bars, labels=[f"{p:.2f}" for p in values], padding=2)
    return ax


def risk_coverage_curve(coverage, accuracy, label: str | None = None, chosen=None, color: str | None = None, ax=None):
    """Accuracy of the answers kept against the fraction kept; ``chosen`` marks one threshold; call once per model."""
    coverage, accuracy = _one_each(coverage=_numbers(coverage, "coverage"), accuracy=_numbers(accuracy, "accuracy"))
    labels = {"xlabel": "coverage: fraction of images answered", "ylabel": "accuracy of the answers given"}
    ax = _axes(ax, (6, 4), **labels, title="Risk–coverage: answer less, be right more often", xlim=(0, 1.02))
    color = color or PALETTE[len(ax.get_lines()) % 8]
    ax.plot(coverage, accuracy, color=color, linewidth=2, label=label)
    if chosen is not None:
        ax.plot(*np.transpose([chosen]), "o", markersize=8, color=color, markeredgecolor="black")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    return ax if label is None else _done(ax, loc="lower left")


def grouped_bars(groups: Sequence[str], series: dict, title: str, ylabel: str, xlabel: str = "", ax=None, digits=2):
    """Bars for several series (e.g. models) side by side within each group (e.g. photos); values in [0, 1]."""
    for name, values in series.items():
        _one_each(groups=groups, **{f"series[{name!r}]": _numbers(values, f"series[{name!r}]")})
    size = (max(5.0, 1.6 * len(groups) + 2), 3.6)
    ax = _axes(ax, size, xlabel=xlabel, ylabel=ylabel, title=title, ylim=(0, 1.15))
    width, x = 0.8 / max(len(series), 1), np.arange(len(groups))
    for i, (name, values) in enumerate(series.items()):
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, color=PALETTE[i % 8], label=name)
        ax.bar_label(bars, labels=[f"{v:.{digits}f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(x, groups)
    return _done(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def pareto_chart(
    names, latency_ms, accuracy, size_mb, budget_ms: float | None = 33.0, title="Accuracy against latency", ax=None
):
    """Models as bubbles (area ∝ file size), the Pareto front and a budget line; labels in a column beside the axes,
    each joined to its bubble, so close bubbles never crowd their labels. PlotError: latencies ≤ 0, sizes < 0."""
    _one_each(names=names, latency_ms=latency_ms, accuracy=accuracy, size_mb=size_mb)
    lat = _numbers(latency_ms, "latency_ms", "the axis is logarithmic")
    acc, sizes = _numbers(accuracy, "accuracy"), _numbers(size_mb, "size_mb", minimum=0)
    ax = _axes(ax, (9, 4.5))
    areas = 40 + 180 * sizes
    colours = [PALETTE[i % 8] for i in range(len(names))]
    ax.scatter(lat, acc, s=areas, color=colours, alpha=0.85, edgecolors="black", linewidths=0.6, zorder=3)
    order = sorted(np.flatnonzero(pareto_front(lat, acc)), key=lambda i: lat[i])
    front = "Pareto front: nothing is both faster and more accurate"
    ax.plot(lat[order], acc[order], color="grey", linestyle="-", linewidth=1.2, zorder=2, label=front)
    ax.set(xscale="log", xlim=(float(lat.min()) / 1.8, max(float(lat.max()), budget_ms or 0.0) * 1.8))
    if budget_ms is not None:
        budget = f"{budget_ms:g} ms budget: {1000 / budget_ms:.0f} frames per second"
        ax.axvline(budget_ms, color=PALETTE[5], linestyle="--", linewidth=1.5, label=budget)
    ax.margins(y=0.1)
    ax.autoscale_view()
    ax.set_xlabel("latency per image (ms, log scale)", fontsize=11)
    ax.set_ylabel("top-1 accuracy (%)", fontsize=11)
    ax.set_title(title, fontsize=12)
    ax.tick_params(labelsize=10)
    ax.grid(alpha=0.3, which="both")
    # The label column: each label at its bubble's height (axes fraction), pushed down just enough to keep
    # one line of text between neighbours, then the whole column shifted up if it ran below the axes.
    bottom, top = ax.get_ylim()
    gap = 14 / max(ax.get_window_extent().height * 72 / ax.figure.dpi, 1.0)
    ranked = list(np.argsort(-acc, kind="stable"))
    ys = [(float(acc[i]) - bottom) / (top - bottom) for i in ranked]
    for k in range(1, len(ys)):
        ys[k] = min(ys[k], ys[k - 1] - gap)
    for y, i in zip([y - min(ys[-1], 0) for y in ys], ranked):
        text = f"{names[i]} ({sizes[i]:.1f} MB)"
        ax.text(1.03, y, text, transform=ax.transAxes, ha="left", va="center", fontsize=10, clip_on=False)
        ends = {"linewidth": 0.8, "shrinkA": np.sqrt(areas[i]) / 2, "shrinkB": 0, "zorder": 2.5, "clip_on": False}
        ax.add_artist(ConnectionPatch((lat[i], acc[i]), (1.025, y), "data", ax.transAxes, color=colours[i], **ends))
    return _done(ax, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, fontsize=10)


def latency_histogram(times_ms: Sequence[float], title="Latency of repeated invoke() calls", bins: int = 30, ax=None):
    """A histogram of single-call timings with the median and the 90th percentile marked."""
    values = _numbers(np.asarray(times_ms, dtype=float), "times_ms")
    ax = _axes(ax, (6, 3.4), xlabel="time of one invoke() (ms)", ylabel="number of calls", title=title)
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.85)
    median, p90 = np.percentile(values, [50, 90])
    ax.axvline(median, color=PALETTE[1], linewidth=2, label=f"median {median:.2f} ms")
    ax.axvline(p90, color=PALETTE[5], linewidth=2, linestyle="--", label=f"90th percentile {p90:.2f} ms")
    return _done(ax)


def interval_chart(
    names,
    values,
    lows,
    highs,
    reference=None,
    value_label="measured",
    reference_label="published",
    title="Accuracy with 95 % intervals",
    ax=None,
):
    """One row per model: a measured value with its interval, and (optionally) a reference value (or None) beside it."""
    _one_each(names=names, values=values, lows=lows, highs=highs, reference=reference)
    vals, lo, hi = _numbers(values, "values"), _numbers(lows, "lows"), _numbers(highs, "highs")
    ax = _axes(ax, (7, 0.45 * len(names) + 1.4), xlabel="top-1 accuracy (%)", ylabel="model", title=title)
    y = np.arange(len(names))[::-1]
    ax.errorbar(vals, y, xerr=[vals - lo, hi - vals], fmt="o", color=PALETTE[0], capsize=4, label=value_label)
    if reference is not None:
        ref = [(real_number(r, "each reference value", PlotError), yy) for yy, r in zip(y, reference) if r is not None]
        xs, ys = [x for x, _ in ref], [yy for _, yy in ref]
        ax.scatter(xs, ys, marker="D", color=PALETTE[1], zorder=3, label=reference_label)
    ax.set_yticks(y, names)
    ax.grid(axis="x", alpha=0.3)
    return _done(ax, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def size_bars(names: Sequence[str], sizes_bytes: Sequence[int], reference=None, title="Model file size", ax=None):
    """Horizontal bars of file sizes in MB (10⁶ bytes), each with its ratio to ``reference``; 4.7 (MB) is refused."""
    sizes = finite_array(sizes_bytes, "sizes_bytes", PlotError, ndim=1, integer=True, minimum=0)
    names, sizes = _one_each(names=names, sizes_bytes=sizes)
    xlabel = "file size (MB)" + (" — in brackets: ratio to the reference" if reference else "")
    ax = _axes(ax, (6.5, 0.5 * len(names) + 1.3), xlabel=xlabel, ylabel="model", title=title)
    megabytes = [int(s) / 1e6 for s in sizes][::-1]
    bars = ax.barh(list(names)[::-1], megabytes, color=[PALETTE[i % 8] for i in range(len(names))][::-1])
    labels = [f"{mb:.2f} MB" + (f"  (×{mb * 1e6 / reference:.2f})" if reference else "") for mb in megabytes]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=9)
    ax.set_xlim(0, max(megabytes) * 1.45)
    return ax


def error_histogram(errors, bound: float | None = None, bins=41, title="Quantization error", xlabel="error", ax=None):
    """A histogram of rounding errors; ``bound`` draws the ±bound lines the errors should stay within."""
    values = _numbers(np.asarray(errors, dtype=float).ravel(), "errors")
    ax = _axes(ax, (6, 3.4), xlabel=xlabel, ylabel="number of values", title=title)
    ax.hist(values, bins=bins, color=PALETTE[0], edgecolor="white", linewidth=0.5)
    if bound is not None:
        for x in (-bound, bound):
            ax.axvline(x, color=PALETTE[5], linestyle="--", linewidth=1.5)
        ax.text(bound, ax.get_ylim()[1] * 0.95, f" ±{bound:g}", color=PALETTE[5], va="top", fontsize=9)
    return ax


def training_curve(history: dict[str, Sequence[float]], title: str = "Training the head", ax=None):
    """The training loss per step (left axis) and, if recorded, the validation accuracy (right axis)."""
    steps = np.arange(1, len(history["loss"]) + 1)
    loss = [(steps, history["loss"], {"label": "training loss (cross-entropy)"})]
    ax = _axes(ax, (6.5, 3.6), loss, xlabel="gradient-descent step", title=title)
    ax.set_ylabel("training loss", color=PALETTE[0])
    ax.set_ylim(bottom=0)
    lines = list(ax.get_lines())
    if history.get("val_accuracy"):
        right = ax.twinx()
        style = {"color": PALETTE[1], "linewidth": 2, "linestyle": "--", "label": "validation accuracy"}
        lines += right.plot(steps, history["val_accuracy"], **style)
        right.set_ylim(0, 1.02)
        right.set_ylabel("validation accuracy", color=PALETTE[1])
    return _done(ax, True, handles=lines, loc="center right")


def confusion_heatmap(matrix, classes: Sequence[str], title: str = "Confusion matrix", ax=None):
    """Counts of true (rows) against predicted (columns) classes, each cell labelled; a classes × classes matrix."""
    counts = finite_array(matrix, "matrix", PlotError, ndim=2, minimum=0)
    _one_each(classes=classes, **{"matrix rows": counts, "matrix columns": counts.T})
    size = (1.0 * len(classes) + 2.2, 0.9 * len(classes) + 1.6)
    ax = _axes(ax, size, xlabel="predicted class", ylabel="true class", title=title)
    image = ax.imshow(counts, cmap="cividis", vmin=0)
    for (row, column), value in np.ndenumerate(counts):
        colour = "black" if value > counts.max() / 2 else "white"
        ax.text(column, row, str(value), ha="center", va="center", fontsize=9, color=colour)
    names = [short_label(c, 14) for c in classes]
    ax.set_xticks(range(len(classes)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), names)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="images")
    return ax


def accuracy_by_size_chart(sizes, series: dict, chance=None, title="Accuracy against training-set size", ax=None):
    """Mean accuracy (line) and the range over repeated draws (band) against images per class, log scale."""
    values = {name: np.asarray(results, dtype=float).reshape(len(sizes), -1) for name, results in series.items()}
    lines = [(sizes, v.mean(axis=1), {"marker": "o", "label": name}) for name, v in values.items()]
    labels = {"xlabel": "training images per class (log scale)", "ylabel": "validation accuracy"}
    ax = _axes(ax, (6.5, 4), lines, **labels, title=title, xscale="log")
    for i, v in enumerate(values.values()):
        ax.fill_between(sizes, v.min(axis=1), v.max(axis=1), color=PALETTE[i % 8], alpha=0.2, linewidth=0)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle=":", linewidth=1, label=f"chance ({chance:.2f})")
    ax.set_xticks(list(sizes), [str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_ylim(0, 1.02)
    return _done(ax, True, loc="lower right")


def history_curves(history: dict, title: str = "Training the Keras head", best: int | None = None, axes=None):
    """Keras ``History.history``: loss and accuracy per epoch, training against validation; returns the two axes.
    ``best`` marks the epoch (1-based) whose weights were kept (early stopping). PlotError: no validation curves."""
    missing = [key for key in ("loss", "val_loss") if not history.get(key)]
    if missing:
        raise PlotError(f"history needs {missing}: pass validation_data= to model.fit and give History.history.")
    if best is not None:
        best = whole_number(best, "best (an epoch, counted from 1)", PlotError, minimum=1, maximum=len(history["loss"]))
    axes = axes if axes is not None else plt.subplots(1, 2, figsize=(10, 3.6))[1]
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key, label in zip(axes, ("loss", "accuracy"), ("loss (cross-entropy)", "accuracy")):
        ax.set_visible(bool(history.get(key)))
        if history.get(key):
            both = [
                (history[key], {"label": "training"}),
                (history[f"val_{key}"], {"linestyle": "--", "label": "validation"}),
            ]
            _axes(ax, (), [(epochs, y, {"marker": ".", **style}) for y, style in both], xlabel="epoch", ylabel=label)
            if best is not None:
                ax.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"kept (epoch {best})")
            _done(ax, True)
    axes[0].set_ylim(bottom=0)
    axes[0].figure.suptitle(title)
    return axes


def segmentation_overlay(image, mask, labels: Sequence[str], title="Segmentation", alpha: float = 0.55, ax=None):
    """The photo with each pixel tinted by its class (``mask``: class indices), a legend of the shares present.
    PlotError: a mask of another size than the image, or holding anything but indices of ``labels``."""
    labels = text_labels(labels, "labels", PlotError)
    mask = finite_array(mask, "mask", PlotError, integer=True, minimum=0, maximum=len(labels) - 1).astype(np.int64)
    if mask.shape != (image.height, image.width):
        raise PlotError(f"The mask is {mask.shape} but the image is {image.height}×{image.width}; they must match.")
    size = (6, 6 * image.height / max(image.width, 1) + 0.8)
    ax = _axes(ax, size, title=title, xlabel="x (pixels)", ylabel="y (pixels)")
    counts = np.bincount(mask.ravel(), minlength=len(labels))
    present = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
    tint = np.zeros((*mask.shape, 4), dtype=np.float32)
    for n, index in enumerate(present):
        tint[mask == index] = plt.matplotlib.colors.to_rgba(PALETTE[n % 8], alpha)
    ax.imshow(image)
    ax.imshow(tint)
    share = counts / mask.size
    handles = [Patch(color=PALETTE[n % 8], label=f"{labels[i]} {share[i]:.0%}") for n, i in enumerate(present)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="class, share of pixels")
    return ax


def stage_breakdown(stage_ms: dict[str, dict], budget_ms: float, title="Where a frame's time goes", ax=None):
    """One stacked horizontal bar per row (e.g. per model): milliseconds per stage (all ≥ 0), the budget as a line."""
    for name, row in stage_ms.items():
        _numbers(list(row.values()), f"stage_ms[{name!r}]", minimum=0)
    names = list(stage_ms)[::-1]
    labels = {"xlabel": "milliseconds per frame (medians)", "ylabel": "model" if len(names) > 1 else ""}
    ax = _axes(ax, (7.5, 0.5 * len(stage_ms) + 1.6), **labels, title=title)
    left, colours = np.zeros(len(names)), dict(zip(("invoke", "capture", "preprocess", "display", "transfer"), PALETTE))
    for stage in dict.fromkeys(stage for row in stage_ms.values() for stage in row):
        values = np.array([stage_ms[name][stage] for name in names], dtype=float)
        ax.barh(names, values, left=left, color=colours.get(stage, PALETTE[7]), label=stage)
        left += values
    ax.axvline(budget_ms, color=PALETTE[5], linestyle="--", linewidth=1.5, label=f"budget {budget_ms:.1f} ms")
    ax.set_xlim(0, max(left.max(), budget_ms) * 1.12)
    below = -0.25 if len(names) > 2 else -0.45
    return _done(ax, loc="upper center", bbox_to_anchor=(0.5, below), ncol=6, fontsize=8)


def explanation_overlay(pixels, explanation, alpha=0.5, boxes: dict | None = None, title=None, ax=None, credit=""):
    """The model's input under an ``Explanation``, a colour bar, ``boxes`` = {name: (left, top, right, bottom)} and
    ``credit`` under the x-axis label. Side by side, ``layout="constrained"`` keeps colour bars and labels apart."""
    ax = _axes(ax, (4.6, 4), xlabel="x (input pixels)", ylabel="y (input pixels)")
    ax.set_title(title or f"{explanation.method}: '{short_label(explanation.label)}'", fontsize=10)
    values = explanation.values
    signed = explanation.method == "occlusion"  # drops are signed: a diverging map, symmetric about 0
    high = float(np.abs(values).max() if signed else values.max()) or 1.0
    low, cmap = (-high, "RdBu_r") if signed else (0.0, "magma")
    bar_label = "drop in probability when covered" if signed else f"{explanation.method} importance"
    ax.imshow(pixels)
    layer = ax.imshow(explanation.pixels(), cmap=cmap, vmin=low, vmax=high, alpha=alpha)
    ax.figure.colorbar(layer, ax=ax, fraction=0.046, pad=0.03).set_label(bar_label, fontsize=8)
    for i, (name, (left, top, right, bottom)) in enumerate((boxes or {}).items()):
        corner, colour = (left - 0.5, top - 0.5), PALETTE[(i + 2) % 8]
        ax.add_patch(Rectangle(corner, right - left, bottom - top, fill=False, edgecolor=colour, linewidth=2))
        ax.text(left + 2, top + 10, name, color="white", fontsize=8, bbox={"facecolor": colour, "alpha": 0.8, "pad": 1})
    x, y = explanation.peak()
    ax.plot([x - 0.5], [y - 0.5], marker="x", markersize=10, markeredgewidth=2, color="black")
    if credit:
        width = max(ax.get_position().width * ax.figure.get_figwidth(), 1.0)
        _credit(ax, credit, width, (0.0, 0.0), ("axes fraction", ax.xaxis.label), 4)
    return ax


wrap_public_functions(globals(), PlotError)  # a raw error from arguments a chart cannot use becomes one PlotError
