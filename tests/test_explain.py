"""helpers.explain on tiny models whose evidence is known (tests/conftest.py), and on the real MobileNets."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import ExplanationError, HelpersError, explain
from helpers.classify import Classifier

LABELS = ["top-left", "bottom-right"]
TOP_LEFT, BOTTOM_RIGHT = (0, 0, 16, 16), (16, 16, 32, 32)


@pytest.fixture
def colour_squares() -> np.ndarray:
    """A 32×32 image of random dull colours with a red square at the top left and a blue one at the bottom right."""
    image = np.random.default_rng(1).integers(60, 196, (32, 32, 3)).astype(np.uint8)
    image[2:12, 2:12] = (255, 0, 0)
    image[20:30, 20:30] = (0, 0, 255)
    return image


# --------------------------------------------------------------------------- occlusion


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_occlusion_finds_each_class_where_its_evidence_is(quadrant_models, two_squares, kind):
    classifier = Classifier(quadrant_models[kind], LABELS)
    first = explain.occlusion(classifier, two_squares, "top-left", patch=8, stride=4, fill=128)
    second = explain.occlusion(classifier, two_squares, 1, patch=8, stride=4, fill=128)
    assert first.shape == second.shape == (8, 8)
    assert first.share_in_box(TOP_LEFT) > 0.85
    assert second.share_in_box(BOTTOM_RIGHT) > 0.85
    assert first.region() in ("top-left", "left", "top") and first.values[:4, :4].min() > 0
    # one softmax: covering the other class's evidence raises this class's probability
    assert first.values[4:, 4:].max() < 0


def test_occlusion_equals_the_loop_written_by_hand(quadrant_models, two_squares):
    classifier = Classifier(quadrant_models["float"], LABELS, num_threads=1)
    result = explain.occlusion(classifier, two_squares, 0, patch=8, stride=8, fill=(0, 0, 0))
    base = classifier.predict(two_squares)[0]
    by_hand = np.zeros((4, 4), np.float32)
    for i in range(4):
        for j in range(4):
            covered = two_squares.copy()
            covered[8 * i : 8 * i + 8, 8 * j : 8 * j + 8] = 0
            by_hand[i, j] = base - classifier.predict(covered)[0]
    np.testing.assert_allclose(result.values, by_hand, atol=1e-6)
    assert result.score == pytest.approx(base)


def test_patches_are_centred_on_cells_and_kept_inside(two_squares):
    covered = explain._occluded_images(two_squares, 12, 8, np.full(3, 7, np.uint8))
    assert covered.shape == (16, 32, 32, 3)
    first, last = covered[0], covered[-1]
    assert (first[:12, :12] == 7).all() and (first[12:, :] != 7).any()  # moved inside at the top-left corner
    assert (last[20:, 20:] == 7).all() and (last[:20] == two_squares[:20]).all()
    middle = covered[5]  # cell (1, 1) spans 8…15: a 12-pixel patch centred there covers 6…17
    assert (middle[6:18, 6:18] == 7).all() and (middle[5] == two_squares[5]).all()
    assert explain._grid_edges(30, 8).tolist() == [0, 8, 16, 24, 30]


def test_one_worker_and_several_give_the_same_map(quadrant_models, two_squares):
    classifier = Classifier(quadrant_models["uint8"], LABELS)
    one = explain.occlusion(explain.scorer(classifier, workers=1), two_squares, 0, patch=6, stride=2)
    two = explain.occlusion(explain.scorer(classifier, workers=2), two_squares, 0, patch=6, stride=2)
    np.testing.assert_array_equal(one.values, two.values)


def test_occlusion_accepts_a_path_and_a_keras_model(quadrant_models, two_squares):
    from_path = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=4)
    from_keras = explain.occlusion(quadrant_models["keras"], two_squares, 0, patch=8, stride=4)
    np.testing.assert_allclose(from_path.values, from_keras.values, atol=1e-5)


def test_map_helpers(quadrant_models, two_squares):
    result = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=8)
    pixels = result.pixels()
    assert pixels.shape == (32, 32) and pixels[3, 5] == result.values[0, 0] and pixels[31, 31] == result.values[3, 3]
    assert result.input_size == (32, 32) and explain.box_area(TOP_LEFT, (32, 32)) == 0.25
    assert "occlusion map for '0'" in result.describe() and "top-left" in result.describe()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "argument", "fix"),
    [
        ({"target": 2}, "target", "labels.index"),
        ({"target": -1}, "target", "labels.index"),
        ({"target": "hamster"}, "target", "not one of"),
        ({"patch": 33}, "patch", "at most 32"),
        ({"patch": 0}, "patch", "at least 1"),
        ({"stride": 0}, "stride", "positive stride"),
        ({"stride": 40}, "stride", "at most 32"),
        ({"fill": 300}, "fill", "0–255"),
        ({"fill": (1, 2)}, "fill", "(R, G, B)"),
        ({"fill": "grey"}, "fill", "0–255"),
        ({"fill": [1, [2, 3]]}, "fill", "(R, G, B)"),
    ],
)
def test_bad_settings_name_the_argument_and_the_fix(quadrant_models, two_squares, kwargs, argument, fix):
    settings = {"target": 0, "patch": 8, "stride": 4, "fill": 128} | kwargs
    classifier = Classifier(quadrant_models["float"], LABELS)
    with pytest.raises(ExplanationError) as error:
        explain.occlusion(classifier, two_squares, settings.pop("target"), **settings)
    assert str(error.value).startswith(f"{argument}:") and fix in str(error.value)
    assert isinstance(error.value, HelpersError)


def test_a_label_close_to_a_real_one_is_suggested(quadrant_models, two_squares):
    with pytest.raises(ExplanationError, match="Did you mean 'top-left'"):
        explain.occlusion(Classifier(quadrant_models["float"], LABELS), two_squares, "top left")


@pytest.mark.parametrize("kind", ["segmenter", "not_image"])
def test_a_model_that_is_not_a_classifier_is_refused(quadrant_models, tiny_models, two_squares, kind):
    path = quadrant_models[kind] if kind == "segmenter" else tiny_models[kind]
    with pytest.raises(ExplanationError) as error:
        explain.occlusion(path, two_squares, 0)
    message = str(error.value)
    assert message.startswith("model:") and path.name in message and "classifier" in message


def test_a_bad_box_is_refused(quadrant_models, two_squares):
    result = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=8)
    with pytest.raises(ExplanationError, match="box: expected .* inside the 32×32 model input"):
        result.share_in_box((0, 0, 40, 10))
    with pytest.raises(ExplanationError, match="box: expected"):
        result.share_in_box("top")


def test_maps_on_different_grids_are_not_compared(quadrant_models, two_squares):
    fine = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=4)
    coarse = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=8)
    with pytest.raises(ExplanationError, match="same patch and stride"):
        explain.rank_correlation(fine, coarse)


# --------------------------------------------------------------------------- Grad-CAM and the model-free map


def test_grad_cam_points_at_each_colour(quadrant_models, colour_squares):
    model = quadrant_models["colour"]
    colour_squares[(colour_squares.max(axis=-1) < 255)] = 128  # a plain grey background
    red = explain.grad_cam(model, colour_squares, 0, layer="features")
    blue = explain.grad_cam(model, colour_squares, 1, layer="features")
    assert red.shape == (32, 32) and red.method == "grad-cam"
    assert red.share_in_box((2, 2, 12, 12)) > 0.99 and blue.share_in_box((20, 20, 30, 30)) > 0.99
    probs = np.asarray(model((colour_squares[None].astype(np.float32) - 127.5) / 127.5))[0]
    assert red.score == pytest.approx(float(probs[0]), abs=1e-6)


def test_grad_cam_names_a_missing_layer(quadrant_models, colour_squares):
    with pytest.raises(ExplanationError, match="No such layer: conv_pw_13_relu.*features"):
        explain.grad_cam(quadrant_models["colour"], colour_squares, 0)


def test_edge_map_ignores_the_model(two_squares):
    edges = explain.edge_map(two_squares, (32, 32), cells=8)
    assert edges.shape == (8, 8) and edges.method == "edges" and np.isnan(edges.score)
    assert edges.values[0, 0] == 0 and edges.values[1, 3] > 0  # flat inside a square, high on its border


def test_importing_explain_does_not_import_tensorflow():
    code = "import sys, helpers.explain; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- sanity checks (Adebayo et al., 2018)


def test_rank_correlation_is_spearman_with_average_ranks():
    assert explain.ranks(np.array([10, 30, 20, 20])).tolist() == [1.0, 4.0, 2.5, 2.5]
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert explain.rank_correlation(a, a**3) == pytest.approx(1.0)  # any increasing transform
    assert explain.rank_correlation(a, -a) == pytest.approx(-1.0)
    assert explain.rank_correlation(np.array([1, 2, 3, 4, 5]), np.array([2, 1, 4, 3, 5])) == pytest.approx(0.8)
    assert np.isnan(explain.rank_correlation(a, np.zeros((2, 2))))


def test_randomizing_the_top_layer_changes_the_occlusion_map(quadrant_models, two_squares):
    trained = quadrant_models["keras"]
    randomized = explain.randomize_top_layers(trained, 1, seed=0)
    assert not np.allclose(
        randomized.get_layer("classes").get_weights()[0], trained.get_layer("classes").get_weights()[0]
    )
    assert trained.get_layer("classes").get_weights()[0][0, 0] == pytest.approx(4 / 3)  # the original is untouched
    maps = [explain.occlusion(model, two_squares, 0, patch=8, stride=4) for model in (trained, randomized)]
    assert explain.rank_correlation(*maps) < 0.5


def test_grad_cam_follows_the_weights_and_the_edge_map_does_not(quadrant_models, colour_squares):
    model = quadrant_models["colour"]
    trained = explain.grad_cam(model, colour_squares, 0, layer="features")
    swapped = explain.randomize_top_layers(model, 0)  # a copy, then the class weights swapped by hand
    kernel, bias = swapped.get_layer("classes").get_weights()
    swapped.get_layer("classes").set_weights([kernel[:, ::-1], bias[::-1]])
    assert explain.rank_correlation(trained, explain.grad_cam(swapped, colour_squares, 0, layer="features")) < -0.5
    edges = explain.edge_map(colour_squares, (32, 32), cells=8)
    assert explain.rank_correlation(edges, explain.edge_map(colour_squares, (32, 32), cells=8)) == pytest.approx(1.0)


def test_randomizing_the_top_layers_changes_grad_cam_on_average(quadrant_models, colour_squares):
    # With two feature channels a random model sometimes keeps the red detector by chance, so one seed
    # proves little; over eight seeds the map must be unrelated to the trained one on average.
    model = quadrant_models["colour"]
    trained = explain.grad_cam(model, colour_squares, 0, layer="features")
    correlations = [
        explain.rank_correlation(
            trained, explain.grad_cam(explain.randomize_top_layers(model, 2, seed), colour_squares, 0, layer="features")
        )
        for seed in range(8)
    ]
    flat = [c for c in correlations if np.isnan(c)]  # all-zero maps: nothing left of the trained one
    assert np.mean(np.nan_to_num(correlations, nan=0.0)) < 0.5 and len(flat) < 8, correlations


def test_randomize_top_layers_checks_the_count(quadrant_models):
    with pytest.raises(ExplanationError, match="count must be a whole number from 0 to 1; got 2"):
        explain.randomize_top_layers(quadrant_models["keras"], 2)


def test_deletion_by_the_map_beats_random_order(quadrant_models, two_squares):
    classifier = Classifier(quadrant_models["uint8"], LABELS)
    result = explain.occlusion(classifier, two_squares, 0, patch=8, stride=4)
    curve = explain.deletion_curve(classifier, two_squares, result, steps=8)
    assert curve.fraction[0] == 0 and curve.fraction[-1] == 1 and len(curve.scores) == 9
    assert curve.scores[0] == pytest.approx(result.score)
    random_area = _random_deletion_area(classifier, two_squares, result, repeats=5, steps=8)
    assert curve.area < random_area - 0.1
    backwards = explain.deletion_curve(classifier, two_squares, result, order=-result.values, steps=8)
    assert backwards.area > random_area  # least important first: the score holds up longest


def _random_deletion_area(model, image, explanation, repeats: int, steps: int) -> float:
    """The mean deletion-curve area over ``repeats`` random orders of the map's cells, as notebook 10 computes it."""
    orders = [explain.random_order(explanation.shape, seed) for seed in range(repeats)]
    return float(
        np.mean([explain.deletion_curve(model, image, explanation, order=o, steps=steps).area for o in orders])
    )


def test_the_checks_pass_for_occlusion_and_fail_for_the_edge_map_and_a_constant_map(quadrant_models, two_squares):
    """Notebook 10's three checks, step by step: randomized model, other class, deletion against random orders."""
    trained = quadrant_models["keras"]
    randomized = explain.randomize_top_layers(trained, 1, seed=0)
    good = explain.occlusion(trained, two_squares, 0, patch=8, stride=4)
    assert explain.rank_correlation(good, explain.occlusion(randomized, two_squares, 0, patch=8, stride=4)) < 0.5
    assert explain.rank_correlation(good, explain.occlusion(trained, two_squares, 1, patch=8, stride=4)) < 0.5
    area = explain.deletion_curve(trained, two_squares, good, steps=8).area
    assert area < _random_deletion_area(trained, two_squares, good, repeats=5, steps=8)
    edges = explain.edge_map(two_squares, (32, 32), cells=8)  # the same map whatever the model and the class
    assert explain.rank_correlation(edges, explain.edge_map(two_squares, (32, 32), cells=8)) == pytest.approx(1.0)
    # A constant map has no order: compared with itself, ρ is NaN, which no "differs" check (ρ < 0.5) passes.
    flat = np.ones_like(edges.values)
    assert np.isnan(explain.rank_correlation(flat, flat.copy())) and not explain.rank_correlation(flat, flat) < 0.5


def test_deletion_curve_checks_its_arguments(quadrant_models, two_squares):
    classifier = Classifier(quadrant_models["float"], LABELS)
    result = explain.occlusion(classifier, two_squares, 0, patch=8, stride=4)
    with pytest.raises(ExplanationError, match=r"order has shape \(2, 2\), the map \(8, 8\)"):
        explain.deletion_curve(classifier, two_squares, result, order=np.zeros((2, 2)))
    with pytest.raises(ExplanationError, match="steps must be a whole number ≥ 1"):
        explain.deletion_curve(classifier, two_squares, result, steps=0)
    with pytest.raises(ExplanationError, match="explanation: the map belongs to no class"):
        explain.deletion_curve(classifier, two_squares, explain.edge_map(two_squares, (32, 32), cells=8))


# --------------------------------------------------------------------------- the real models


@pytest.mark.assets
def test_real_models_pass_the_sanity_checks():
    from helpers import assets

    labels = assets.read_labels("labels/imagenet_labels.txt")
    photo = assets.fetch("images/cats_and_dogs.jpg")
    corgi, poodle = (118, 57, 224, 224), (33, 80, 128, 224)  # boxes drawn by hand on the 224×224 input

    quantized = Classifier(assets.fetch("models/mobilenet_v2_1.0_224_quant.tflite"), labels)
    pembroke = explain.occlusion(quantized, photo, "Pembroke", patch=48, stride=32)
    toy_poodle = explain.occlusion(quantized, photo, "toy poodle", patch=48, stride=32)
    assert pembroke.share_in_box(corgi) > 0.5 > pembroke.share_in_box(poodle)
    assert toy_poodle.share_in_box(poodle) > 0.5 > toy_poodle.share_in_box(corgi)
    assert explain.rank_correlation(pembroke, toy_poodle) < 0.5
    deletion = explain.deletion_curve(quantized, photo, pembroke, steps=7).area
    assert deletion < _random_deletion_area(quantized, photo, pembroke, repeats=3, steps=7)

    model = explain.keras_mobilenet()
    randomized = explain.randomize_top_layers(model, 2, seed=0)

    def cam(network, target):
        return explain.grad_cam(network, photo, target, labels=labels[1:])

    trained = cam(model, "Pembroke")
    assert np.ptp(trained.values) > 0  # the map has an order, so a NaN below means only the other map is flat
    assert not explain.rank_correlation(trained, cam(randomized, "Pembroke")) >= 0.5
    assert not explain.rank_correlation(trained, cam(model, "toy poodle")) >= 0.5
    judge = explain.scorer(model)  # wrapped once for every deletion curve
    area = explain.deletion_curve(judge, photo, trained, steps=7).area
    assert area < _random_deletion_area(judge, photo, trained, repeats=3, steps=7)


# --------------------------------------------------------------------------- notebook 08's plots, widget and checks


def test_explorer_redraws_for_each_photo_and_class(quadrant_models, two_squares, capsys):
    from helpers import widgets

    classifier = Classifier(quadrant_models["float"], LABELS)
    photos = {"squares": two_squares, "flipped": two_squares[::-1, ::-1].copy()}
    box = widgets.explanation_explorer(classifier, photos, {"squares": "made by the test"})
    photo, target, patch, alpha, _output = box.children
    assert [value for _, value in target.options] == [0, 1] and target.value == 0 and patch.value == 32
    photo.value = "flipped"  # the bright square is now at the bottom right: class 1 first
    assert [value for _, value in target.options] == [1, 0] and target.value == 1
    patch.value = 16
    target.value = 0
    alpha.value = 0.2
    drawn = capsys.readouterr().out.split("[figure] ")[1:]  # one per redraw, in order
    assert len(drawn) == 5 and "Could not" not in "".join(drawn)  # created, new photo, patch, class, opacity
    assert "occlusion map for 'top-left'" in drawn[0] and "occlusion map for 'bottom-right'" in drawn[1]
    assert "occlusion map for 'top-left'" in drawn[-1]


def test_overlay_and_charts_label_what_they_show(quadrant_models, two_squares):
    from helpers import plots

    result = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=4)
    ax = plots.explanation_overlay(two_squares, result, boxes={"evidence": TOP_LEFT})
    assert ax.get_title() == "occlusion: '0'" and len(ax.patches) == 1
    assert ax.figure.axes[-1].get_ylabel() == "drop in probability when covered"  # the colour bar
    low, high = ax.images[1].get_clim()
    assert low == -high  # drops and rises on one symmetric scale
    plots.plt.close("all")


def test_checks_accept_every_form_of_a_right_answer(quadrant_models, two_squares, capsys):
    from helpers.checks import check_occlusion_drop, check_rank_correlation

    classifier = Classifier(quadrant_models["float"], LABELS)
    covered = two_squares.copy()
    covered[0:8, 0:8] = 128
    drop = classifier.predict(two_squares)[0] - classifier.predict(covered)[0]
    for answer in (float(drop), np.float32(drop), np.array(drop), np.array([drop])):
        assert check_occlusion_drop(answer, classifier, two_squares, 0, (0, 0, 8, 8))
    assert not check_occlusion_drop(-drop, classifier, two_squares, 0, (0, 0, 8, 8))
    assert "sign is reversed" in capsys.readouterr().out

    a, b = np.array([[1.0, 5.0], [2.0, 2.0]]), np.array([[0.3, 0.1], [0.9, 0.2]])
    rho = explain.rank_correlation(a, b)
    ordinal = np.corrcoef(
        np.argsort(np.argsort(a.ravel(), kind="stable")), np.argsort(np.argsort(b.ravel(), kind="stable"))
    )[0, 1]
    for answer in (rho, np.float64(rho), np.array(rho), ordinal):
        assert check_rank_correlation(answer, a, b)
    pearson = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert not check_rank_correlation(pearson, a, b) and "Pearson" in capsys.readouterr().out


# --------------------------------------------------------------------------- hostile arguments (issue 10)


@pytest.mark.parametrize("cells", [0, 500, 2.5, True])
def test_edge_map_refuses_a_grid_it_cannot_draw(two_squares, cells):
    with pytest.raises(ExplanationError, match="cells must be a whole number from 1 to 32"):
        explain.edge_map(two_squares, (32, 32), cells=cells)


def test_edge_map_keeps_the_largest_grid_it_can(two_squares):
    assert explain.edge_map(two_squares, (32, 32), cells=32).shape == (32, 32)


@pytest.mark.parametrize("box", [(0.5, 0.5, 10.9, 10.9), (0, 0, 0.5, 0.5), (0, 0, float("nan"), 4), (0, 0, True, 4)])
def test_a_fractional_box_is_refused_not_truncated(box):
    with pytest.raises(ExplanationError, match="box: expected"):
        explain.box_area(box, (224, 224))


def test_a_box_of_whole_floats_is_the_same_box():
    assert explain.box_area((56.0, 8.0, 156.0, 216.0), (224, 224)) == explain.box_area((56, 8, 156, 216), (224, 224))
    assert explain.box_area(np.array([0, 0, 112, 224]), (224, 224)) == 0.5


@pytest.mark.parametrize("bad", [np.array([1, 2, np.nan]), np.array([1, np.inf, 3]), ["a", "b", "c"]])
def test_rank_correlation_refuses_maps_that_are_not_finite(bad):
    with pytest.raises(ExplanationError, match="^a "):
        explain.rank_correlation(bad, np.array([1.0, 2, 3]))
    with pytest.raises(ExplanationError, match="^values "):
        explain.ranks(bad)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: explain.random_order((2, 2), 1.5), r"random_order cannot use its arguments \(.*seed=float"),
        (lambda: explain.random_order(4, 0), r"random_order cannot use its arguments \(shape=int"),
        (
            lambda: explain.randomize_top_layers(None, 1.5),
            r"randomize_top_layers cannot use its arguments \(model=NoneType",
        ),
        (lambda: explain.box_area((0, 0, 2, 2), (0, 4)), "input_size is"),
        (lambda: explain.model_pixels(np.zeros((4, 4, 3), np.uint8), 32), "input_size is"),
    ],
)
def test_map_helpers_refuse_arguments_of_the_wrong_kind(call, words):
    with pytest.raises(HelpersError, match=words):
        call()


def test_deletion_helpers_refuse_bad_counts(quadrant_models, two_squares):
    classifier = Classifier(quadrant_models["float"], LABELS)
    result = explain.occlusion(classifier, two_squares, 0, patch=8, stride=8)
    with pytest.raises(ExplanationError, match="steps must be a whole number"):
        explain.deletion_curve(classifier, two_squares, result, steps=True)
    with pytest.raises(ExplanationError, match=r"deletion_curve cannot use its arguments \(.*explanation=ndarray"):
        explain.deletion_curve(classifier, two_squares, result.values)
    with pytest.raises(ExplanationError, match="order holds NaN"):
        explain.deletion_curve(classifier, two_squares, result, order=np.full(result.shape, np.nan))


def test_scorers_refuse_what_they_cannot_score(tiny_models):
    classifier = Classifier(tiny_models["float"], ["a", "b", "c"])
    with pytest.raises(ExplanationError, match="has its labels already"):
        explain.scorer(classifier, ["x", "y", "z"])  # the labels would be ignored
    with pytest.raises(
        ExplanationError, match="model: Explanations need a Classifier, a .tflite path or a Keras .*; got int"
    ):
        explain.scorer(5)
    with pytest.raises(
        ExplanationError, match="model: Grad-CAM needs a Keras image classifier.*got Classifier.*use occlusion"
    ):
        explain.grad_cam(classifier, np.zeros((8, 8, 3), np.uint8), 0)


def test_a_target_name_two_outputs_share_is_refused_with_both_indices():
    class_index = explain._class_index

    labels = ["background", "crane", "tabby", "crane", "maillot"]
    with pytest.raises(ExplanationError, match=r"'crane' names 2 outputs \(1, 3\)"):
        class_index("crane", labels)
    assert class_index(3, labels) == 3
    assert class_index("Maillot", labels) == 4
