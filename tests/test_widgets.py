"""helpers.widgets for notebooks 02 and 03: pure summaries, and sliders that redraw when they move."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import widgets
from helpers.metrics import MetricsError

LABELS = ["rabbit", "hamster", "dog"]
LOGITS = np.log([0.07, 0.02, 0.91])
CONFIDENCE = np.array([0.9, 0.8, 0.8, 0.6, 0.4, 0.2])
CORRECT = np.array([True, True, False, True, False, False])


def test_temperature_summary_reads_like_the_table():
    assert widgets.temperature_summary(LOGITS, LABELS, 1.0) == (
        "T = 1.00: rabbit 0.070 | hamster 0.020 | dog 0.910  (top: dog)"
    )
    assert widgets.temperature_summary(LOGITS, LABELS, 100.0).startswith("T = 100.00: rabbit 0.3")


def test_temperature_summary_refuses_a_bad_temperature():
    with pytest.raises(MetricsError, match="temperature"):
        widgets.temperature_summary(LOGITS, LABELS, 0.0)


def test_show_temperature_prints_the_summary_and_a_described_chart(capsys):
    widgets.show_temperature(LOGITS, LABELS, 2.0)
    out = capsys.readouterr().out
    assert out.startswith(widgets.temperature_summary(LOGITS, LABELS, 2.0))
    assert "[figure] Bar chart of the probabilities at temperature 2.00: rabbit 0.19, hamster 0.10, dog 0.70." in out


def test_temperature_slider_redraws_when_moved(capsys):
    box = widgets.temperature_slider(LOGITS, LABELS)
    slider = box.children[0]
    assert slider.value == 1.0 and slider.min == -1 and slider.max == 1  # 10**-1 … 10**1
    assert "T = 1.00" in capsys.readouterr().out  # drawn once at creation
    slider.value = 0.5
    assert "T = 0.50: rabbit 0.006 | hamster 0.000 | dog 0.994" in capsys.readouterr().out


def test_threshold_summary_counts_what_is_kept():
    assert (
        widgets.threshold_summary(CONFIDENCE, CORRECT, 0.8)
        == "threshold 0.80: answers 3 of 6 (50.0%), 66.7% of them right"
    )
    assert (
        widgets.threshold_summary(CONFIDENCE, CORRECT, 0.95)
        == "threshold 0.95: answers 0 of 6 (0.0%), nothing to score"
    )


def test_show_threshold_describes_the_curve(capsys):
    widgets.show_threshold(CONFIDENCE, CORRECT, 0.6, label="tiny")
    out = capsys.readouterr().out
    assert "threshold 0.60: answers 4 of 6" in out
    assert "is 100% for the most confident answer alone and 50% when every image is answered" in out
    assert "keeps 67%" in out
    widgets.show_threshold(CONFIDENCE, CORRECT, 0.95)
    assert "keeps" not in capsys.readouterr().out.split("[figure]")[1]


def test_threshold_explorer_redraws_when_moved(capsys):
    box = widgets.threshold_explorer(CONFIDENCE, CORRECT, value=0.5)
    slider = box.children[0]
    assert (slider.min, slider.max, slider.value) == (0.0, 1.0, 0.5)
    assert "threshold 0.50: answers 4 of 6" in capsys.readouterr().out
    slider.value = 0.85
    assert "threshold 0.85: answers 1 of 6" in capsys.readouterr().out


def test_threshold_explorer_refuses_mismatched_inputs():
    with pytest.raises(MetricsError, match="same length"):
        widgets.threshold_explorer(CONFIDENCE, CORRECT[:2])


def test_sliders_use_the_value_their_readout_shows(capsys):
    import ipywidgets

    from helpers.bench import best_model  # noqa: F401  (model_picker's rule)

    slider = ipywidgets.FloatLogSlider(value=316.228, base=10, min=-0.5, max=2.5, step=0.05, readout_format=".1f")
    assert widgets.shown_value(slider) == 316.2
    assert widgets.shown_value(ipywidgets.Dropdown(options=["a"], value="a")) == "a"
    rows = [{"model": "m", "latency_ms": 10.0, "top1": 50.0, "size_mb": 1.0}]
    box = widgets.model_picker(rows, {"here": "latency_ms"}, {"samples": "top1"})
    box.children[0].value = 316.228
    out = capsys.readouterr().out
    assert "≤ 316.2 ms" in out and "316.228" not in out
    assert repr(box).startswith("[Model picker")


def test_the_temperature_label_has_room():
    box = widgets.temperature_slider(LOGITS, LABELS)
    assert box.children[0].style.description_width == "7em"
    assert repr(box).startswith("[Temperature slider")
