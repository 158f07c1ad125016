"""Lesson 10 (explanations): the Grad-CAM logit, and what the lesson's prose says about its real maps.

The lesson shows its numbers; the tolerances that keep its sentences true live here. Tests marked ``assets`` use
the mirrored models and photos (CLASSROOM_ASSET_MIRROR).
"""

from __future__ import annotations

import numpy as np
import pytest
from figure_text import text_overlaps

from helpers import ExplanationError, explain

# --------------------------------------------------------------------------- Grad-CAM differentiates the logit


def _colour_network(ending: str):
    """The red/blue network of tests/conftest.py with 3 feature channels, its softmax placed as ``ending`` says."""
    import keras

    inputs = keras.Input((32, 32, 3))
    features = keras.layers.Conv2D(3, 1, activation="relu", name="features")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    if ending == "dense softmax":
        outputs = keras.layers.Dense(2, activation="softmax", name="classes")(pooled)
    else:
        logits = keras.layers.Dense(2, name="classes")(pooled)
        outputs = {
            "activation layer": lambda: keras.layers.Activation("softmax")(logits),
            "softmax layer": lambda: keras.layers.Softmax()(logits),
            "logits": lambda: logits,
        }[ending]()
    model = keras.Model(inputs, outputs)
    detectors = np.array([[2.0, -1.0, 0.5], [-1.0, -1.0, 0.5], [-1.0, 2.0, 0.5]], np.float32).reshape(1, 1, 3, 3)
    model.get_layer("features").set_weights([detectors, np.zeros(3, np.float32)])
    kernel = np.array([[8.0, -8.0], [-8.0, 8.0], [3.0, 1.0]], np.float32)
    model.get_layer("classes").set_weights([kernel, np.array([0.5, -0.5], np.float32)])
    return model


@pytest.fixture
def squares() -> np.ndarray:
    image = np.full((32, 32, 3), 128, np.uint8)
    image[2:12, 2:12] = (255, 0, 0)
    image[20:30, 20:30] = (0, 0, 255)
    image[2:12, 20:30] = (200, 200, 200)
    return image


def _by_hand(model, image: np.ndarray, index: int) -> np.ndarray:
    """Grad-CAM written out: the logit is the Dense layer's kernel applied to the pooled features, plus its bias."""
    import tensorflow as tf

    kernel, bias = model.get_layer("classes").get_weights()
    features_model = tf.keras.Model(model.inputs, model.get_layer("features").output)
    x = tf.constant(((image.astype(np.float32) - 127.5) / 127.5)[None])
    with tf.GradientTape() as tape:
        features = features_model(x)
        logit = (tf.reduce_mean(features, axis=(1, 2)) @ kernel + bias)[:, index]
    weights = tf.reduce_mean(tape.gradient(logit, features)[0], axis=(0, 1))
    return tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1)).numpy()


@pytest.mark.parametrize("ending", ["dense softmax", "activation layer", "softmax layer", "logits"])
@pytest.mark.parametrize("index", [0, 1])
def test_grad_cam_uses_the_score_before_the_softmax(squares, ending, index):
    # Selvaraju et al. (2017) differentiate y^c, the class score before the softmax. With Dense(n, activation=
    # "softmax") the layer's input is the pooled features, not the logits: Grad-CAM read a feature channel instead.
    model = _colour_network(ending)
    result = explain.grad_cam(model, squares, index, layer="features")
    np.testing.assert_allclose(result.values, _by_hand(model, squares, index), rtol=1e-5, atol=1e-6)
    probs = np.asarray(model((squares[None].astype(np.float32) - 127.5) / 127.5))[0]
    if ending != "logits":
        assert result.score == pytest.approx(float(probs[index]), abs=1e-6)


def test_the_same_network_gives_the_same_map_wherever_its_softmax_is(squares):
    maps = [
        explain.grad_cam(_colour_network(e), squares, 0, layer="features").values
        for e in ("dense softmax", "activation layer", "softmax layer")
    ]
    np.testing.assert_allclose(maps[0], maps[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps[0], maps[2], rtol=1e-5, atol=1e-6)


def test_probabilities_from_a_softmax_it_cannot_undo_are_refused(squares):
    import keras

    model = _colour_network("logits")
    hidden = keras.Model(model.inputs, keras.layers.Lambda(lambda z: keras.ops.softmax(z))(model.output))
    with pytest.raises(ExplanationError, match="before the softmax"):
        explain.grad_cam(hidden, squares, 0, layer="features")


def test_grad_cam_leaves_the_model_alone(squares):
    model = _colour_network("dense softmax")
    before = [w.copy() for w in model.get_weights()]
    explain.grad_cam(model, squares, 0, layer="features")
    assert model.layers[-1].get_config()["activation"] == "softmax"
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- the lesson's sentences, on the real maps
# Each test backs sentences of notebooks/10_explanations.ipynb whose numbers come from uint8 kernels (which round a
# little differently on each CPU): the notebook shows the numbers, these tolerances keep the sentences true.


@pytest.fixture(scope="module")
def lesson():
    """The lesson's models, photos and maps, computed once for every test below."""
    from helpers import assets
    from helpers.classify import Classifier

    labels = assets.read_labels("labels/imagenet_labels.txt")
    v2 = Classifier(assets.fetch("models/mobilenet_v2_1.0_224_quant.tflite"), labels)
    small = Classifier(assets.fetch("models/mobilenet_v1_0.25_224.tflite"), labels)
    owl, pets = assets.fetch("images/owl.jpg"), assets.fetch("images/cats_and_dogs.jpg")
    grouse = labels.index("ruffed grouse, partridge, Bonasa umbellus")
    return {
        "labels": labels,
        "v2": v2,
        "small": small,
        "owl": owl,
        "pets": pets,
        "grouse": grouse,
        "sunflower": assets.fetch("images/sunflower.bmp"),
        "owl_map": explain.occlusion(v2, owl, grouse, patch=32, stride=16),
        "small_owl_map": explain.occlusion(small, owl, grouse, patch=32, stride=16),
        "pembroke": explain.occlusion(v2, pets, "Pembroke", patch=32, stride=16),
        "poodle": explain.occlusion(v2, pets, "toy poodle", patch=32, stride=16),
    }


OWL_BOX, BODY_BOX = (56, 8, 156, 216), (56, 56, 156, 200)
CORGI, POODLE = (118, 57, 224, 224), (33, 80, 128, 224)


def _short(label: str) -> str:
    return label.split(",")[0]


@pytest.mark.assets
def test_section_1_the_owl_is_a_grouse_and_covering_its_head_raises_the_grouse(lesson):
    v2, labels, grouse = lesson["v2"], lesson["labels"], lesson["grouse"]
    top = v2.classify(lesson["owl"], top_k=5)
    assert [_short(p.label) for p in top][:2] == ["ruffed grouse", "kite"]
    assert _short(top[4].label) == "great grey owl" and not any("owl" in _short(p.label) for p in top[:4])
    assert top[0].probability == pytest.approx(0.41, abs=0.08)
    pixels = explain.model_pixels(lesson["owl"], v2.input_size)
    covered = pixels.copy()
    covered[8:56, 80:136] = 128
    before, after = v2.predict(pixels), v2.predict(covered)
    assert after[grouse] > before[grouse] + 0.05  # "goes up"
    kite, grey_owl = labels.index("kite"), labels.index("great grey owl, great gray owl, Strix nebulosa")
    assert after[kite] < before[kite] - 0.1 and after[grey_owl] < before[grey_owl]  # "kite and great grey owl go down"


@pytest.mark.assets
def test_section_2_the_v2_owl_map_is_spread_and_the_owl_argues_against_the_grouse(lesson):
    owl_map = lesson["owl_map"]
    share, area = owl_map.share_in_box(OWL_BOX), explain.box_area(OWL_BOX, (224, 224))
    assert abs(share - area) < 0.15  # "no more of the evidence than its area would get"
    on_owl = owl_map.pixels()[OWL_BOX[1] : OWL_BOX[3], OWL_BOX[0] : OWL_BOX[2]]
    assert -on_owl.min() > on_owl.max()  # covering one raises it more than covering any lowers it


@pytest.mark.assets
def test_section_3_small_patches_barely_move_the_daisy_and_the_disc_holds_its_evidence(lesson):
    v2, daisy = lesson["v2"], lesson["labels"].index("daisy")
    maps = {size: explain.occlusion(v2, lesson["sunflower"], daisy, patch=size, stride=32) for size in (32, 96, 128)}
    largest = [m.values.max() for m in maps.values()]
    assert maps[32].score > 0.95 and largest[0] < 0.05 and largest[-1] > 0.3 and largest == sorted(largest)
    disc = (64, 64, 160, 176)
    assert maps[96].share_in_box(disc) > 2 * explain.box_area(disc, (224, 224))  # "far more than the box's area"


@pytest.mark.assets
def test_section_4_each_dog_class_draws_on_its_own_dog_and_the_maps_are_mirror_images(lesson):
    top = lesson["v2"].classify(lesson["pets"], top_k=2)
    assert [_short(p.label) for p in top] == ["Pembroke", "toy poodle"]
    pembroke, poodle = lesson["pembroke"], lesson["poodle"]
    assert pembroke.share_in_box(CORGI) > 0.5 > pembroke.share_in_box(POODLE)
    assert poodle.share_in_box(POODLE) > 0.5 > poodle.share_in_box(CORGI)
    assert explain.rank_correlation(pembroke, poodle) < -0.5  # "strongly negative"


@pytest.mark.assets
def test_section_5_the_burger_evidence_sits_on_the_bun_in_both_views(lesson):
    from helpers import assets

    for name in ("burger.jpg", "burger_crop.jpg"):
        result = explain.occlusion(lesson["v2"], assets.fetch(f"images/{name}"), "cheeseburger", patch=96, stride=32)
        assert result.score > 0.9 and result.share_in_box((0, 0, 224, 112)) > 0.7, name


@pytest.mark.assets
def test_section_6_the_two_models_disagree_on_the_owl_and_agree_on_the_corgi(lesson):
    small = lesson["small"]
    assert _short(small.classify(lesson["owl"], top_k=1)[0].label) == "ruffed grouse"
    assert explain.rank_correlation(lesson["owl_map"], lesson["small_owl_map"]) < 0.3  # "unrelated"
    small_pembroke = explain.occlusion(small, lesson["pets"], "Pembroke", patch=32, stride=16)
    assert explain.rank_correlation(lesson["pembroke"], small_pembroke) > 0.3  # "roughly agree"
    assert lesson["small_owl_map"].share_in_box(OWL_BOX) > explain.box_area(OWL_BOX, (224, 224)) + 0.15


@pytest.mark.assets
def test_sections_7_and_8_grad_cam_sits_on_the_owl_and_passes_the_checks_the_edge_map_fails(lesson):
    model = explain.keras_mobilenet()
    keras_labels = lesson["labels"][1:]
    target = keras_labels.index("ruffed grouse, partridge, Bonasa umbellus")
    owl_cam = explain.grad_cam(model, lesson["owl"], target, labels=keras_labels)
    assert owl_cam.share_in_box(OWL_BOX) > explain.box_area(OWL_BOX, (224, 224)) + 0.15  # "on the owl itself"
    # cascading randomization: the map loses its order as soon as the classifier layer is random
    randomized = explain.randomize_top_layers(model, 1, seed=0)
    rho = explain.rank_correlation(owl_cam, explain.grad_cam(randomized, lesson["owl"], target, labels=keras_labels))
    assert np.nan_to_num(rho, nan=0.0) < 0.5
    trained = explain.occlusion(model, lesson["owl"], target, patch=64, stride=32, labels=keras_labels)
    # The lesson counts a NaN ρ (a constant map) as 0, "differs": true only while the trained maps have an order.
    assert np.ptp(owl_cam.values) > 0 and np.ptp(trained.values) > 0
    random_map = explain.occlusion(randomized, lesson["owl"], target, patch=64, stride=32, labels=keras_labels)
    assert np.nan_to_num(explain.rank_correlation(trained, random_map), nan=0.0) < 0.5
    pixels = explain.model_pixels(lesson["owl"], (224, 224))
    assert explain.rank_correlation(explain.edge_map(pixels, cells=7), explain.edge_map(pixels, cells=7)) > 0.99
    # another class: Grad-CAM and occlusion differ, the edge map cannot
    pets = [explain.grad_cam(model, lesson["pets"], name, labels=keras_labels) for name in ("Pembroke", "toy poodle")]
    assert explain.rank_correlation(*pets) < 0.5


@pytest.mark.assets
def test_section_8_deletion_in_the_occlusion_order_beats_random_order(lesson):
    v2, pembroke, pets = lesson["v2"], lesson["pembroke"], lesson["pets"]
    ordered = explain.deletion_curve(v2, pets, pembroke, steps=14).area
    random_areas = sorted(
        explain.deletion_curve(v2, pets, pembroke, steps=14, order=explain.random_order(pembroke.shape, seed)).area
        for seed in range(5)
    )
    median = random_areas[2]  # the random curve the chart draws
    assert ordered < median - 0.1  # "much faster than random orders"
    edge_order = explain.edge_map(explain.model_pixels(pets, (224, 224))).values
    assert explain.deletion_curve(v2, pets, pembroke, order=edge_order, steps=14).area < median  # "beats random too"


@pytest.mark.assets
def test_exercise_3_the_patch_size_changes_where_the_daisy_evidence_is(lesson):
    daisy = lesson["labels"].index("daisy")
    maps = [explain.occlusion(lesson["v2"], lesson["sunflower"], daisy, patch=p, stride=32) for p in (64, 128)]
    assert abs(explain.rank_correlation(*maps)) < 0.3  # the solution: "close to 0"


# --------------------------------------------------------------------------- the exercises' self-checks


@pytest.fixture
def owl_drop(lesson):
    """Exercise 1's right answer and the two probabilities it comes from."""
    small = lesson["small"]
    pixels = explain.model_pixels(lesson["owl"], small.input_size)
    covered = pixels.copy()
    covered[56:200, 56:156] = 128
    before, after = float(small.predict(pixels)[lesson["grouse"]]), float(small.predict(covered)[lesson["grouse"]])
    return before, after


@pytest.mark.assets
def test_exercise_1_accepts_the_drop_in_every_form_at_two_decimals(lesson, owl_drop, capsys):
    from helpers.checks import check_occlusion_drop
    from helpers.exercises import _wrong_tries

    before, after = owl_drop
    drop = before - after
    ask = (lesson["small"], lesson["owl"], lesson["grouse"], BODY_BOX)
    for answer in (
        drop,
        np.float32(drop),
        np.array(drop),
        [drop],
        round(drop, 2),
        round(drop, 3),
        f"{drop:.2f}",
        f"{drop:.4f}",
        f"{100 * drop:.1f}%",
        round(100 * drop, 1),
    ):
        assert check_occlusion_drop(answer, *ask), answer
    _wrong_tries.clear()
    assert not check_occlusion_drop(round(drop, 2) + 0.02, *ask)
    assert "Hint 1 of 3" in capsys.readouterr().out


@pytest.mark.assets
def test_exercise_1_names_known_mistakes_and_hints_get_more_specific(lesson, owl_drop, capsys):
    from helpers.checks import check_occlusion_drop
    from helpers.exercises import _wrong_tries

    before, after = owl_drop
    ask = (lesson["small"], lesson["owl"], lesson["grouse"], BODY_BOX)
    _wrong_tries.clear()
    assert not check_occlusion_drop(after - before, *ask)
    first = capsys.readouterr().out
    assert "sign is reversed" in first and "Hint 1 of 3" in first
    assert not check_occlusion_drop(before, *ask)
    second = capsys.readouterr().out
    assert "one of the two probabilities" in second and "Hint 2 of 3" in second
    assert not check_occlusion_drop("a lot", *ask)
    assert "Hint 3 of 3" in capsys.readouterr().out
    assert check_occlusion_drop(before - after, *ask)  # a right answer resets the ladder
    assert not check_occlusion_drop(0.0, *ask) and "Hint 1 of 3" in capsys.readouterr().out
    _wrong_tries.clear()


def test_exercise_3_accepts_average_and_ordinal_ranks_at_two_decimals(capsys):
    from helpers.checks import check_rank_correlation
    from helpers.exercises import _wrong_tries

    a = np.array([[1.0, 5.0, 5.0], [2.0, 2.0, 7.0], [0.5, 3.0, 3.0]])
    b = np.array([[0.3, 0.1, 0.8], [0.9, 0.2, 0.4], [0.6, 0.6, 0.0]])
    rho = explain.rank_correlation(a, b)
    ordinal = np.corrcoef(
        np.argsort(np.argsort(a.ravel(), kind="stable")), np.argsort(np.argsort(b.ravel(), kind="stable"))
    )[0, 1]
    for answer in (rho, np.float64(rho), np.array(rho), round(rho, 2), f"{rho:.2f}", [rho], ordinal, round(ordinal, 2)):
        assert check_rank_correlation(answer, a, b), answer
    _wrong_tries.clear()
    pearson = np.corrcoef(a.ravel(), b.ravel())[0, 1]
    assert not check_rank_correlation(pearson, a, b)
    first = capsys.readouterr().out
    assert "Pearson" in first and "Hint 1 of 3" in first
    assert not check_rank_correlation(-rho, a, b) and "sign is reversed" in capsys.readouterr().out
    assert not check_rank_correlation("rho", a, b) and "Hint 3 of 3" in capsys.readouterr().out
    _wrong_tries.clear()


def test_the_explorer_draws_without_a_progress_widget(quadrant_models, two_squares, monkeypatch):
    # A progress bar is a widget that closes itself when done; inside the explorer's Output it was left as a
    # dangling reference ("Error displaying widget: model not found" after Run All, until the widget was touched).
    from helpers import widgets
    from helpers.classify import Classifier

    calls = []
    real = explain.occlusion
    monkeypatch.setattr(explain, "occlusion", lambda *a, **k: calls.append(k) or real(*a, **k))
    widgets.explanation_explorer(
        Classifier(quadrant_models["float"], ["top-left", "bottom-right"]),
        {"squares": two_squares},
        {"squares": "made by the test"},
    )
    assert calls and not any(k.get("progress") for k in calls)


def test_side_by_side_maps_keep_their_labels_apart_and_credits_legible(quadrant_models, two_squares):
    import matplotlib.pyplot as plt

    from helpers import plots

    result = explain.occlusion(quadrant_models["float"], two_squares, 0, patch=8, stride=4)
    credit = "Photo: Open Images Dataset V5, image 165178f034f150ba — CC BY 2.0"
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")  # as the lesson draws them
    for ax in axes:
        plots.explanation_overlay(two_squares, result, boxes={"evidence": (0, 0, 16, 16)}, ax=ax, credit=credit)
    assert text_overlaps(fig) == []
    credits = [t for ax in axes for t in ax.texts if "CC BY" in t.get_text()]
    assert len(credits) == 2 and all(t.get_fontsize() >= 9 for t in credits)
    plt.close(fig)
