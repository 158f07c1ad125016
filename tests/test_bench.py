"""helpers.bench on tiny self-made models: latency, size, and choosing among models.

Also the notebook-04 tools built on it (plots.pareto_chart, plots.latency_histogram,
widgets._choice_report, checks for exercises 04.x). No timing thresholds: timings
are only checked for shape and order, speed is measured by tools/bench_latency.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from helpers import HelpersError, ModelError, PlotError
from helpers.bench import (
    BenchmarkError,
    Latency,
    _sample_input,
    best_model,
    measure_latency,
    measure_many,
    model_size_mb,
    pareto_front,
)

matplotlib.use("Agg")

ROWS = [
    {"model": "tiny", "latency_ms": 1.0, "size_mb": 0.5, "top1": 40.0},
    {"model": "small", "latency_ms": 2.0, "size_mb": 1.4, "top1": 57.0},
    {"model": "float", "latency_ms": 3.0, "size_mb": 1.9, "top1": 50.0},
    {"model": "large", "latency_ms": 12.0, "size_mb": 3.4, "top1": 71.0},
    {"model": "unknown", "latency_ms": None, "size_mb": 4.0, "top1": 72.0},
]


# --------------------------------------------------------------------------- latency


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_measure_latency_times_every_repeat(tiny_models, kind):
    result = measure_latency(tiny_models[kind], num_threads=1, warmup=2, repeats=7)
    assert isinstance(result, Latency)
    assert result.repeats == 7 and result.times_ms.shape == (7,) and result.warmup == 2
    assert np.all(result.times_ms > 0)
    assert result.times_ms.min() <= result.median_ms <= result.p90_ms <= result.times_ms.max()
    assert result.model == f"tiny_{kind}" and result.num_threads == 1
    assert result.fps == pytest.approx(1000 / result.median_ms)


def test_measure_latency_names_and_threads(tiny_models):
    result = measure_latency(tiny_models["float"], num_threads=2, warmup=0, repeats=1, name="my model")
    assert result.model == "my model" and result.num_threads == 2 and result.repeats == 1
    assert result.median_ms == result.p90_ms == result.times_ms.min()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"num_threads": 0}, "num_threads"),
        ({"warmup": -1}, "warmup"),
        ({"repeats": 0}, "repeats"),
    ],
)
def test_impossible_settings_are_refused(tiny_models, settings, message):
    with pytest.raises(BenchmarkError, match=message) as info:
        measure_latency(tiny_models["float"], **settings)
    assert isinstance(info.value, HelpersError)


def test_measure_latency_on_bad_files(tmp_path, tiny_models):
    with pytest.raises(ModelError, match="No model file"):
        measure_latency(tmp_path / "missing.tflite")
    fake = tmp_path / "page.tflite"
    fake.write_text("<html>not a model</html>")
    with pytest.raises(ModelError, match="not a TensorFlow Lite model"):
        measure_latency(fake)


def test_non_image_models_can_be_timed(tiny_models):
    assert measure_latency(tiny_models["not_image"], repeats=3).repeats == 3


def test_measure_many_covers_every_model_and_thread_count(tiny_models):
    models = {"f": tiny_models["float"], "q": tiny_models["uint8"]}
    results = measure_many(models, threads=(1, 2), warmup=1, repeats=3, progress=False)
    assert [(r.model, r.num_threads) for r in results] == [("f", 1), ("f", 2), ("q", 1), ("q", 2)]
    with pytest.raises(BenchmarkError, match="measure_many takes models"):
        measure_many({}, progress=False)
    with pytest.raises(BenchmarkError, match="thread counts"):
        measure_many(models, threads=(), progress=False)
    with pytest.raises(BenchmarkError, match="num_threads"):
        measure_many(models, threads=(1, 0), progress=False)


@pytest.mark.parametrize(
    "models, kwargs, message",
    [
        ("list", {}, "models as a dict name → model path"),
        ({"f": "float", "gone": "missing"}, {}, "No model file"),
        ({"f": "float"}, {"threads": 2.5}, "threads=float"),
        ({"f": "float"}, {"threads": "12"}, "threads=str"),
        ({"f": "float"}, {"threads": (1, 2.0)}, "threads=tuple.*cannot be interpreted as an integer"),
    ],
)
def test_measure_many_refuses_bad_arguments_before_measuring(
    tiny_models, tmp_path, monkeypatch, models, kwargs, message
):
    import helpers.bench as module

    monkeypatch.setattr(module, "measure_latency", lambda *a, **k: pytest.fail("measured before checking"))
    paths = {"float": tiny_models["float"], "missing": tmp_path / "missing.tflite"}
    given = [tiny_models["float"]] if models == "list" else {name: paths[key] for name, key in models.items()}
    with pytest.raises(BenchmarkError, match=message):
        measure_many(given, **{"progress": False} | kwargs)


def test_measure_many_takes_any_iterable_of_thread_counts(tiny_models):
    results = measure_many({"f": tiny_models["float"]}, threads=iter([1]), warmup=0, repeats=1, progress=False)
    assert [r.num_threads for r in results] == [1]


def test_measure_latency_labels_the_result_with_the_name_given(tiny_models):
    assert measure_latency(tiny_models["float"], repeats=1).model == Path(tiny_models["float"]).stem
    assert measure_latency(tiny_models["float"], repeats=1, name="mine").model == "mine"
    assert measure_latency(tiny_models["float"], repeats=1, name=5).model == "5"  # a number is shown as its text


def test_sample_inputs_fit_the_tensor():
    floats = _sample_input({"shape": [1, 4, 4, 3], "dtype": np.float32})
    assert floats.dtype == np.float32 and floats.shape == (1, 4, 4, 3) and np.abs(floats).max() <= 1
    ints = _sample_input({"shape": [1, 64, 64, 3], "dtype": np.int8})
    assert ints.dtype == np.int8 and ints.min() == -128 and ints.max() == 127
    np.testing.assert_array_equal(
        _sample_input({"shape": [2, 3], "dtype": np.uint8}), _sample_input({"shape": [2, 3], "dtype": np.uint8})
    )  # seeded: reproducible
    with pytest.raises(
        ValueError, match="integer data type"
    ):  # a model's own input type: float or integer; a bool is neither
        _sample_input({"shape": [1], "dtype": np.bool_})


# --------------------------------------------------------------------------- size


def test_model_size_is_the_file_size(tiny_models, tmp_path):
    path = tiny_models["uint8"]
    assert model_size_mb(path) == pytest.approx(path.stat().st_size / 1e6)
    with pytest.raises(BenchmarkError, match="No model file"):
        model_size_mb(tmp_path / "nothing.tflite")
    with pytest.raises(BenchmarkError, match="No model file"):
        model_size_mb(tmp_path)  # a folder is not a model


# --------------------------------------------------------------------------- choosing among models


def test_pareto_front_keeps_only_undominated_models():
    latency = [row["latency_ms"] for row in ROWS[:4]]
    accuracy = [row["top1"] for row in ROWS[:4]]
    assert pareto_front(latency, accuracy) == [True, True, False, True]  # "float" is slower and worse than "small"
    assert pareto_front([1, 1], [50, 50]) == [True, True]  # equal models do not dominate each other
    assert pareto_front([1, 1], [50, 60]) == [False, True]
    assert pareto_front([], []) == []
    with pytest.raises(BenchmarkError, match="one latency and one accuracy per model"):
        pareto_front([1, 2], [3])  # one of each per model


@pytest.mark.parametrize(
    "latency, accuracy, message",
    [
        ([1, 2], [0.5, float("nan")], "pareto_front (takes|cannot use)"),
        ([float("nan"), 2], [0.5, 0.6], "pareto_front (takes|cannot use)"),
        (5, 5, "pareto_front (takes|cannot use)"),
        (None, [1], "pareto_front (takes|cannot use)"),
        (["1", "2"], [0.5, 0.6], "pareto_front (takes|cannot use)"),
        ([[1, 2]], [[0.5, 0.6]], "pareto_front (takes|cannot use)"),
    ],
)
def test_pareto_front_refuses_nan_and_non_lists(latency, accuracy, message):
    with pytest.raises(BenchmarkError, match=message):
        pareto_front(latency, accuracy)


@pytest.mark.parametrize(
    "rows, kwargs, message",
    [
        (None, {}, "best_model cannot use|must be numbers"),
        (ROWS[0], {}, "best_model cannot use|must be numbers"),
        (5, {}, "best_model cannot use|must be numbers"),
        (ROWS, {"max_latency_ms": "10"}, "best_model cannot use|must be numbers"),
        (ROWS, {"max_size_mb": float("nan")}, "best_model cannot use|must be numbers"),
        (ROWS, {"min_accuracy": None}, "best_model cannot use|must be numbers"),
        (ROWS, {"latency": ["latency_ms"]}, "best_model cannot use|must be numbers"),
        ([{"latency_ms": "5", "top1": 0.7, "size_mb": 1}], {}, "best_model cannot use|must be numbers"),
        ([{"latency_ms": [5, 50], "top1": 0.7, "size_mb": 1}], {}, "best_model cannot use|must be numbers"),
    ],
)
def test_best_model_refuses_odd_rows_and_limits(rows, kwargs, message):
    with pytest.raises(BenchmarkError, match=message):
        best_model(rows, **kwargs)


def test_best_model_accepts_a_generator_of_rows_and_infinite_limits():
    assert best_model(iter(ROWS), max_latency_ms=math.inf)["model"] == best_model(ROWS)["model"]


def test_best_model_respects_every_limit():
    assert best_model(ROWS)["model"] == "large"  # "unknown" has no latency: never chosen
    assert best_model(ROWS, max_latency_ms=5)["model"] == "small"
    assert best_model(ROWS, max_size_mb=1.0)["model"] == "tiny"
    assert best_model(ROWS, max_latency_ms=5, min_accuracy=60) is None
    assert best_model(ROWS, max_latency_ms=2.0, max_size_mb=1.4)["model"] == "small"  # limits are inclusive
    nan_row = {"model": "nan", "latency_ms": math.nan, "size_mb": 0.1, "top1": 99.0}
    assert best_model([nan_row, *ROWS])["model"] == "large"


def test_best_model_breaks_ties_by_speed_then_size():
    rows = [
        {"model": "a", "latency_ms": 3.0, "size_mb": 1.0, "top1": 60.0},
        {"model": "b", "latency_ms": 2.0, "size_mb": 2.0, "top1": 60.0},
        {"model": "c", "latency_ms": 2.0, "size_mb": 1.5, "top1": 60.0},
    ]
    assert best_model(rows)["model"] == "c"


def test_best_model_uses_the_columns_asked_for():
    rows = [
        {"model": "a", "here": 1.0, "phone": 9.0, "mb": 1.0, "acc": 50.0},
        {"model": "b", "here": 9.0, "phone": 1.0, "mb": 1.0, "acc": 60.0},
    ]
    assert best_model(rows, 5, latency="here", size="mb", accuracy="acc")["model"] == "a"
    assert best_model(rows, 5, latency="phone", size="mb", accuracy="acc")["model"] == "b"
    with pytest.raises(BenchmarkError, match="'latency_ms'"):
        best_model(rows)


# --------------------------------------------------------------------------- notebook 04 tools built on bench


def test_choice_report_names_the_best_and_the_others():
    from helpers.widgets import _choice_report as choice_report

    text = choice_report(ROWS, 5, 2, 0)
    assert text.startswith("Best within ≤ 5 ms, ≤ 2 MB, ≥ 0 % top-1: small — 57.0 % top-1, 2.0 ms, 1.4 MB.")
    assert "Also within the limits: tiny, float." in text
    assert choice_report(ROWS, 1, 1, 0).endswith("No other model fits.")
    assert choice_report(ROWS, 0.5, 5, 0).startswith("No model meets all three limits")


def test_model_picker_shows_the_report():
    from helpers.widgets import model_picker

    box = model_picker(ROWS, {"here": "latency_ms"}, {"samples": "top1"})
    assert len(box.children) == 6
    latency_slider = box.children[0]
    assert latency_slider.value == pytest.approx(33)
    latency_slider.value = 2.5  # the output refreshes on every change without raising


def test_check_best_model_gives_hints(capsys):
    from helpers.checks import check_best_model

    limits = {"max_latency_ms": 5, "max_size_mb": 2, "min_accuracy": 0, "latency": "latency_ms", "accuracy": "top1"}
    assert check_best_model("small", ROWS, **limits)
    assert not check_best_model("large", ROWS, **limits)
    assert "breaks a limit" in capsys.readouterr().out
    assert not check_best_model("tiny", ROWS, **limits)
    assert "more accurate" in capsys.readouterr().out
    assert not check_best_model("nonsense", ROWS, **limits)
    assert "not one of the models" in capsys.readouterr().out
    assert check_best_model("none", ROWS, 0.5, 5, 0, "latency_ms", "top1")


def test_check_pareto_front(capsys):
    from helpers.checks import check_pareto_front

    names = [row["model"] for row in ROWS[:4]]
    latency = [row["latency_ms"] for row in ROWS[:4]]
    accuracy = [row["top1"] for row in ROWS[:4]]
    assert check_pareto_front({"tiny", "small", "large"}, names, latency, accuracy)
    assert not check_pareto_front({"tiny", "small", "large", "float"}, names, latency, accuracy)
    assert "float is beaten" in capsys.readouterr().out
    assert not check_pareto_front({"tiny", "small"}, names, latency, accuracy)
    assert "large is missing" in capsys.readouterr().out
    assert not check_pareto_front({"tinyy"}, names, latency, accuracy)


def test_check_input_bytes(capsys):
    from helpers.checks import check_input_bytes

    quantized = {"shape": np.array([1, 160, 160, 3]), "dtype": np.uint8}
    floating = {"shape": np.array([1, 224, 224, 3]), "dtype": np.float32}
    assert check_input_bytes(76_800, quantized)
    assert check_input_bytes(602_112, floating)
    assert not check_input_bytes(25_600, quantized)
    assert "3 channels" in capsys.readouterr().out
    assert not check_input_bytes(307_200, quantized)
    assert "1 byte per channel" in capsys.readouterr().out
    assert not check_input_bytes(150_528, floating)
    assert "4 bytes per channel" in capsys.readouterr().out


def test_check_sample_size(capsys):
    from helpers.checks import check_sample_size

    assert check_sample_size(8068)
    assert not check_sample_size(1000)
    assert "still wider than ± 1 point" in capsys.readouterr().out
    assert not check_sample_size(50_000)
    assert "more than a quarter above the fewest" in capsys.readouterr().out
    assert not check_sample_size(0)


def test_tradeoff_charts_return_their_axes():
    from helpers import plots

    names = [row["model"] for row in ROWS[:4]]
    ax = plots.pareto_chart(
        names, [r["latency_ms"] for r in ROWS[:4]], [r["top1"] for r in ROWS[:4]], [r["size_mb"] for r in ROWS[:4]]
    )
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_xlim()[1] > 33  # the 33 ms budget line is in view
    front = ax.get_lines()[0]
    assert list(front.get_xdata()) == [1.0, 2.0, 12.0]  # the front joins the undominated models, fastest first
    with pytest.raises(PlotError, match="size_mb must match one to one"):
        plots.pareto_chart(names, [1.0], [2.0], [3.0])
    hist = plots.latency_histogram(np.linspace(1, 2, 50))
    assert hist.get_xlabel() and len(hist.get_lines()) == 2  # median and 90th percentile
    with pytest.raises(PlotError, match="times_ms is empty"):
        plots.latency_histogram([])
    intervals = plots.interval_chart(
        names, [40, 57, 50, 71], [37, 54, 47, 68], [43, 60, 53, 74], reference=[39.5, None, 49.7, 70.8]
    )
    rows = {t.get_text(): y for t, y in zip(intervals.get_yticklabels(), intervals.get_yticks(), strict=True)}
    assert set(rows) == set(names) and rows["tiny"] > rows["large"]  # the first model is on top
    table = plots.markdown_table(["model", "MB"], [["tiny", "0.5"]])
    assert table.data == "| model | MB |\n|:--|--:|\n| tiny | 0.5 |"
    with pytest.raises(PlotError, match="2 columns"):
        plots.markdown_table(["model", "MB"], [["tiny"]])
