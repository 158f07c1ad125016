"""helpers.plots: the charts of notebooks 02 and 03 draw what they are given, on the axes they are given."""

from __future__ import annotations

import re

import figure_text
import matplotlib.pyplot as plt
import numpy as np
import pytest
from figure_text import text_overlaps
from matplotlib.figure import Figure

from helpers import HelpersError, PlotError, plots
from helpers.metrics import risk_coverage

LABELS = ["rabbit", "hamster", "dog"]
SEED_TABLE = [0.07, 0.02, 0.91]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_probability_bars_draw_one_bar_per_label_and_highlight_the_top():
    ax = plots.probability_bars(LABELS, SEED_TABLE, title="Overview table")
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == pytest.approx(SEED_TABLE)
    colors = [patch.get_facecolor() for patch in ax.patches]
    assert colors[2] != colors[0] == colors[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == LABELS
    assert ax.get_title() == "Overview table" and ax.get_ylabel() == "probability" and ax.get_xlabel() == "label"
    assert [t.get_text() for t in ax.texts] == ["0.07", "0.02", "0.91"]


def test_probability_bars_use_the_given_axes_and_shorten_imagenet_labels():
    fig, axes = plt.subplots(1, 2)
    ax = plots.probability_bars(["tabby, tabby cat", "tiger cat"], [0.5, 0.4], ax=axes[1])
    assert ax is axes[1] and ax.figure is fig
    assert [t.get_text() for t in ax.get_xticklabels()] == ["tabby", "tiger cat"]


def test_probability_bars_refuse_mismatched_lengths():
    with pytest.raises(PlotError, match="one to one"):
        plots.probability_bars(LABELS, [0.5, 0.5])


def test_risk_coverage_curve_draws_models_in_different_colours_and_marks_the_choice():
    curve = risk_coverage(np.array([0.9, 0.7, 0.5, 0.2]), np.array([True, True, False, False]))
    ax = plots.risk_coverage_curve(curve.coverage, curve.accuracy, label="model A", chosen=(0.5, 1.0))
    plots.risk_coverage_curve(curve.coverage, curve.accuracy * 0.9, label="model B", ax=ax)
    lines = ax.get_lines()
    assert lines[0].get_ydata() == pytest.approx(curve.accuracy)
    assert list(lines[1].get_xdata()) == [0.5] and lines[1].get_marker() == "o"
    assert lines[0].get_color() != lines[2].get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["model A", "model B"]
    assert "coverage" in ax.get_xlabel() and "accuracy" in ax.get_ylabel() and ax.get_title()


def test_grouped_bars_place_each_series_side_by_side():
    ax = plots.grouped_bars(
        ["cat", "hot dog"], {"small": [0.5, 0.2], "large": [0.9, 0.8]}, title="Top-1", ylabel="probability"
    )
    assert len(ax.patches) == 4
    xs = sorted(patch.get_x() for patch in ax.patches)
    assert xs[0] < xs[1] < xs[2] < xs[3]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["small", "large"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "hot dog"]
    with pytest.raises(PlotError, match="2 groups"):
        plots.grouped_bars(["cat", "hot dog"], {"small": [0.5]}, title="t", ylabel="y")


def test_show_needs_alt_text_and_prints_it_as_plain_text(capsys):
    ax = plots.probability_bars(LABELS, SEED_TABLE)
    with pytest.raises(PlotError, match="alt text"):
        plots.show(ax.figure, alt="")
    plots.show(ax.figure, alt="Three bars, dog highest.")
    assert "[figure] Three bars, dog highest." in capsys.readouterr().out
    assert not plt.get_fignums()  # shown figures are closed


def test_segmentation_overlay_legend_lists_present_classes_with_shares():
    from PIL import Image

    image = Image.new("RGB", (4, 2))
    mask = np.array([[0, 0, 0, 2], [0, 0, 2, 2]], dtype=np.uint8)
    ax = plots.segmentation_overlay(image, mask, ["background", "cat", "person"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["background 62%", "person 38%"]
    with pytest.raises(PlotError, match="must match"):
        plots.segmentation_overlay(image, mask[:, :3], ["a", "b", "c"])


@pytest.mark.parametrize(
    ("function", "args", "named"),
    [
        (plots.latency_histogram, (["fast", "slow"],), "times_ms=list"),
        (plots.probability_bars, (["a"],), "probability_bars(labels: Sequence[str], probs: Sequence[float]"),
    ],
)
def test_bad_arguments_raise_a_plot_error_naming_them(function, args, named):
    with pytest.raises(PlotError, match=re.escape(named)) as caught:
        function(*args)
    assert isinstance(caught.value, HelpersError) and f"help({function.__name__})" in str(caught.value)
    plt.close("all")


def test_text_overlaps_finds_labels_drawn_over_each_other():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    assert text_overlaps(fig) == [("first label", "second label")]
    plt.close(fig)


def test_show_photos_needs_one_caption_per_photo():
    with pytest.raises(PlotError, match="images and captions must match one to one"):
        plots.show_photos([np.zeros((4, 4, 3))], ["a", "b"])


def test_pareto_labels_of_close_models_do_not_overlap():
    names = ["V1 0.25/224 float", "V1 0.25/224 uint8", "V1 0.5/160 uint8"]
    ax = plots.pareto_chart(names, [3.3, 2.3, 2.6], [49.8, 48.1, 57.2], [1.9, 0.5, 1.4], budget_ms=33.0)
    labels = [t for t in ax.texts if "MB)" in t.get_text()]
    assert text_overlaps(ax.figure) == [] and len(labels) == 3
    plt.close(ax.figure)


def test_pareto_labels_of_overlapping_bubbles_stand_apart_in_accuracy_order():
    names = ["V2 int8", "V2 uint8", "V1 1.0", "V1 0.75", "V1 0.25"]
    accuracy = [88.0, 87.0, 86.6, 78.3, 44.2]
    ax = plots.pareto_chart(names, [10.0, 14.0, 22.0, 10.0, 0.7], accuracy, [4.1, 3.6, 4.3, 2.6, 0.5])
    ax.figure.canvas.draw()
    labels = [t for t in ax.texts if "MB)" in t.get_text()]
    assert text_overlaps(ax.figure) == [] and len(labels) == 5
    heights = {t.get_text().split(" (")[0]: t.get_window_extent().y0 for t in labels}
    assert sorted(heights, key=heights.get, reverse=True) == names  # top to bottom as the bubbles
    right_edge = ax.get_window_extent().x1
    assert all(t.get_window_extent().x0 > right_edge for t in labels)  # in a column beside the axes
    plt.close(ax.figure)


# --------------------------------------------------------------------------- hostile arguments (issue 10)

NAN = float("nan")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: plots.probability_bars(["a", "b"], [NAN, 0.5]), "probs holds NaN"),
        (lambda: plots.probability_bars(["a", "b"], ["x", "y"]), "probs must hold numbers"),
        (lambda: plots.probability_bars("ab", [0.5, 0.5]), "labels is a list of label strings"),
        (lambda: plots.markdown_table(["a", "b"], [[1, 2]], align="lx"), r"markdown_table cannot .*align=str\): 'x'"),
        (lambda: plots.markdown_table(["a", "b"], [[1, 2]], align="lrr"), "columns and align must match one to one"),
        (lambda: plots.top_k_bars([("tabby", NAN)]), "the probability of 'tabby' must be a finite number"),
        (lambda: plots.top_k_alt(None, "t"), r"top_k_alt cannot use its arguments \(pairs=NoneType"),
        (lambda: plots.probability_table([("tabby", "0.5")]), "the probability of 'tabby' must be a number"),
        (lambda: plots.size_bars(["a"], ["big"]), "sizes_bytes must hold numbers"),
        (lambda: plots.size_bars(["a"], [4.7]), "sizes_bytes must hold whole numbers"),
        (lambda: plots.latency_histogram([1.0, NAN]), "times_ms holds NaN"),
        (lambda: plots.risk_coverage_curve([0.5, 1.0], [1.0, NAN]), "accuracy holds NaN"),
        (lambda: plots.grouped_bars(["x"], {"m": [NAN]}, "t", "y"), "series\\['m'\\] holds NaN"),
        (lambda: plots.pareto_chart(["m"], [0.0], [70.0], [1.0]), "latency_ms must all be above 0"),
        (lambda: plots.interval_chart(["m"], [70.0], [NAN], [75.0]), "lows holds NaN"),
        (lambda: plots.stage_breakdown({"m": {"invoke": -5.0}}, budget_ms=33), "stage_ms\\['m'\\] must hold values"),
        (lambda: plots.confusion_heatmap([[1, NAN], [0, 1]], ["a", "b"]), "matrix holds NaN"),
    ],
)
def test_bad_values_are_refused_not_drawn(call, words):
    with pytest.raises(PlotError, match=words):
        call()
    plt.close("all")


@pytest.mark.parametrize(
    ("mask", "words"),
    [
        (np.array([[0, -1]]), "mask must hold values from 0 to 2"),
        (np.array([[0, 3]]), "mask must hold values from 0 to 2"),
        (np.array([[0.0, 1.5]]), "mask must hold whole numbers"),
        (np.array([["a", "b"]]), "mask must hold numbers"),
    ],
)
def test_a_segmentation_mask_of_anything_but_class_indices_is_refused(mask, words):
    from PIL import Image

    with pytest.raises(PlotError, match=words):
        plots.segmentation_overlay(Image.new("RGB", (2, 1)), mask, ["a", "b", "c"])
    plt.close("all")


def test_odd_but_clear_arguments_draw_as_before():
    from PIL import Image

    ax = plots.probability_bars(np.array(["a", "b"]), (p for p in (0.25, 0.75)))
    assert [round(bar.get_height(), 2) for bar in ax.patches] == [0.25, 0.75]
    ax = plots.size_bars(["a"], [np.float64(2_000_000.0)], reference=1_000_000)
    assert [t.get_text() for t in ax.texts] == ["2.00 MB  (×2.00)"]
    assert str(plots.markdown_table(("a", "b"), [[1, 2]], align="cr").data).splitlines()[1] == "|:-:|--:|"
    assert (
        plots.markdown_table(["a", "b"], [[1, 2]], align=["l", "r"]).data
        == plots.markdown_table(["a", "b"], [[1, 2]]).data
    )
    whole_floats = plots.segmentation_overlay(Image.new("RGB", (2, 1)), np.array([[0.0, 1.0]]), ["a", "b"])
    assert [t.get_text() for t in whole_floats.get_legend().get_texts()] == ["a 50%", "b 50%"]
    plt.close("all")


def _labels_crossing(ax, labels, x: float) -> list:
    """The text labels that a vertical line at data coordinate ``x`` would run through."""
    renderer = ax.figure.canvas.get_renderer()
    line = ax.transData.transform((x, 0.0))[0]
    return [t for t in labels if t.get_window_extent(renderer).x0 - 2 <= line <= t.get_window_extent(renderer).x1 + 2]


def test_photo_grid_credits_wrap_under_their_own_photo_without_overlapping(monkeypatch):
    long_credit = "Photo: someone, https://www.flickr.com/photos/104286287@N06/10090824183/ — CC BY 2.0"
    images = [
        np.zeros((h, w, 3), dtype=np.uint8) for w, h in [(320, 240), (240, 320), (500, 200), (200, 200), (64, 48)]
    ]
    axes = plots.show_photos(images, [f"photo {i}" for i in range(5)], [long_credit] * 5, columns=5, size=2.6)
    fig = axes.flat[0].figure
    assert text_overlaps(fig) == []
    fig.canvas.draw()
    for ax in axes.flat:  # every photo keeps its cell: 2.6 inches on its long side
        box = ax.get_window_extent()
        assert max(box.width, box.height) == pytest.approx(2.6 * fig.dpi, rel=0.02)
    credits = [t for ax in axes.flat for t in ax.texts]
    assert all(max(len(line) for line in t.get_text().split("\n")) < 50 for t in credits)
    assert all(t.get_fontsize() >= 8 for t in credits)
    assert figure_text.is_photo_grid(fig)
    monkeypatch.setattr(Figure, "savefig", Figure.savefig)  # restored after the test
    figure_text.record_photo_grids()
    plots.show(fig, alt="Five black rectangles.")
    assert figure_text.GRIDS[-1] == {"cell_px": round(2.6 * 90 * 200 / 500), "overlaps": []}  # the widest: lowest
    assert figure_text.photo_grid_report().splitlines()[-1].endswith("0 overlapping texts")


def test_the_budget_line_never_runs_through_a_model_label():
    names = ["fast model", "model at 20 ms with a long name", "slow model"]
    ax = plots.pareto_chart(names, [2.0, 20.0, 80.0], [40.0, 60.0, 70.0], [0.5, 1.0, 3.0], budget_ms=33.0)
    labels = [t for t in ax.texts if "MB)" in t.get_text()]
    assert len(labels) == 3 and all(t.get_fontsize() >= 10 for t in labels)
    ax.figure.canvas.draw()
    assert _labels_crossing(ax, labels, 33.0) == []
    assert text_overlaps(ax.figure) == []
    plt.close(ax.figure)


def test_the_kept_epoch_must_be_an_epoch_that_exists():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}
    with pytest.raises(PlotError, match=r"best \(an epoch, counted from 1\) must be a whole number from 1 to 2"):
        plots.history_curves(history, best="x")
    plt.close("all")
