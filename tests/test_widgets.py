"""helpers.widgets for notebooks 02 and 03: pure summaries, and sliders that redraw when they move."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import widgets
from helpers.errors import HelpersError, LabelError, OptionError
from helpers.metrics import MetricsError

LABELS = ["rabbit", "hamster", "dog"]
LOGITS = np.log([0.07, 0.02, 0.91])
CONFIDENCE = np.array([0.9, 0.8, 0.8, 0.6, 0.4, 0.2])
CORRECT = np.array([True, True, False, True, False, False])


def test_the_temperature_slider_prints_the_summary_and_a_described_chart(capsys):
    box = widgets.temperature_slider(LOGITS, LABELS)
    assert "T = 1.00: rabbit 0.070 | hamster 0.020 | dog 0.910  (top: dog)" in capsys.readouterr().out
    box.children[0].value = 10.0
    assert "T = 10.00: rabbit 0.3" in capsys.readouterr().out
    widgets.temperature_slider(LOGITS, LABELS, value=2.0)
    out = capsys.readouterr().out
    assert "T = 2.00: rabbit 0.1" in out
    assert "[figure] Bar chart of the probabilities at temperature 2.00: rabbit 0.19, hamster 0.10, dog 0.70." in out


def test_temperature_slider_redraws_when_moved(capsys):
    box = widgets.temperature_slider(LOGITS, LABELS)
    slider = box.children[0]
    assert slider.value == 1.0 and slider.min == -1 and slider.max == 1  # 10**-1 … 10**1
    assert "T = 1.00" in capsys.readouterr().out  # drawn once at creation
    slider.value = 0.5
    assert "T = 0.50: rabbit 0.006 | hamster 0.000 | dog 0.994" in capsys.readouterr().out


def test_the_threshold_explorer_counts_what_is_kept(capsys):
    box = widgets.threshold_explorer(CONFIDENCE, CORRECT, value=0.8)
    assert "threshold 0.80: answers 3 of 6 (50.0%), 66.7% of them right" in capsys.readouterr().out
    box.children[0].value = 0.95
    assert "threshold 0.95: answers 0 of 6 (0.0%), nothing to score" in capsys.readouterr().out


def test_the_threshold_explorer_describes_the_curve(capsys):
    box = widgets.threshold_explorer(CONFIDENCE, CORRECT, value=0.6, label="tiny")
    out = capsys.readouterr().out
    assert "threshold 0.60: answers 4 of 6" in out
    assert "is 100% for the most confident answer alone and 50% when every image is answered" in out
    assert "keeps 67%" in out
    box.children[0].value = 0.95
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
    from helpers.bench import best_model  # noqa: F401  (model_picker's rule)

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


# --------------------------------------------------------------------------- hostile arguments (issue 10)


@pytest.mark.parametrize(("logits", "labels"), [([3, 2, 1], ["a", "b"]), ([1, 2, 3], ["a", "b"]), ([1, 2], LABELS)])
def test_temperature_slider_needs_one_label_per_logit(logits, labels):
    with pytest.raises(LabelError, match=f"{len(labels)} labels for {len(logits)} logits"):
        widgets.temperature_slider(logits, labels)


def test_temperature_slider_refuses_a_label_file_path_and_takes_generators(capsys):
    with pytest.raises(LabelError, match="labels is a list of label strings"):
        widgets.temperature_slider([1, 2, 3], "abc")
    widgets.temperature_slider(LOGITS, LABELS)
    expected = capsys.readouterr().out
    widgets.temperature_slider((logit for logit in LOGITS), (label for label in LABELS))
    assert capsys.readouterr().out == expected


ROWS = [
    {"model": "m", "latency_ms": 5, "top1": 70, "size_mb": 1},
    {"model": "n", "latency_ms": 6, "top1": 60, "size_mb": 1},
]


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (("10", 5, 50), {}, "max_latency_ms"),
        ((10, float("nan"), 50), {}, "max_size_mb"),
        ((10, 5, None), {}, "min_accuracy"),
        ((10, 5, 50), {"accuracy": 1}, "accuracy=int"),
    ],
)
def test_choice_report_refuses_limits_that_are_not_numbers(args, kwargs, words):  # checked once, by best_model
    with pytest.raises(HelpersError, match=words):
        widgets._choice_report(ROWS, *args, **kwargs)


def test_choice_report_reads_a_generator_of_rows_like_a_list():
    expected = widgets._choice_report(ROWS, 10, 5, 50)
    assert "Also within the limits: n." in expected
    assert widgets._choice_report((row for row in ROWS), 10, 5, 50) == expected
    assert widgets._choice_report(ROWS, float("inf"), float("inf"), 0).startswith("Best within ≤ inf ms")


@pytest.fixture
def classifier(tiny_models):
    from helpers.classify import Classifier

    return Classifier(tiny_models["float"], ["red", "green", "blue"])


def test_explanation_helpers_refuse_settings_of_the_wrong_kind(classifier):
    with pytest.raises(OptionError, match="explanation_explorer cannot use its arguments .*photos=list"):
        widgets.explanation_explorer(classifier, ["a.jpg"])


def test_upload_and_classify_checks_its_arguments_when_built(tiny_models):
    from helpers.classify import Classifier

    with pytest.raises(OptionError, match="classifier is a helpers.classify.Classifier; got str"):
        widgets.upload_and_classify(str(tiny_models["float"]))
    with pytest.raises(OptionError, match="top_k must be a whole number ≥ 1"):
        widgets.upload_and_classify(Classifier(tiny_models["float"], ["a", "b", "c"]), top_k=0)


@pytest.mark.parametrize("columns", [["latency_ms"], {}, None])
def test_model_picker_needs_a_menu_of_columns(columns):  # {}: an empty menu chooses no column
    rows = [{"model": "m", "latency_ms": 5.0, "top1": 70.0, "size_mb": 1.0}]
    with pytest.raises(HelpersError, match="latency"):
        widgets.model_picker(rows, columns, {"measured": "top1"})
