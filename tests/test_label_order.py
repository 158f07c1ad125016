"""Order means identity: label i names output i, so labels in an unordered container are refused everywhere."""

import pytest

from helpers import LabelError
from helpers.arguments import clean_labels, text_labels
from helpers.tflite import check_labels


@pytest.mark.parametrize(
    "labels", [{"cat", "dog", "owl"}, frozenset({"cat", "dog", "owl"}), {0: "cat", 1: "dog", 2: "owl"}]
)
def test_unordered_labels_are_refused_with_the_fix(labels):
    with pytest.raises(LabelError, match="order"):
        text_labels(labels)
    with pytest.raises(LabelError, match="order"):
        clean_labels(labels)
    with pytest.raises(LabelError, match="order"):
        check_labels(labels, 3)


def test_ordered_containers_are_fine():
    names = {"cat": 1, "dog": 2, "owl": 3}
    assert text_labels(names.keys()) == ["cat", "dog", "owl"]  # a dict's keys keep their insertion order
    assert text_labels(("cat", "dog")) == ["cat", "dog"]
    assert text_labels(name for name in ["a", "b"]) == ["a", "b"]


def test_export_refuses_a_set_of_labels(tmp_path):
    import numpy as np

    from helpers import transfer

    head = transfer.SoftmaxHead(np.ones((3, 2), np.float32), np.zeros(2, np.float32))
    with pytest.raises(LabelError, match="labels must be in the order .* got a set"):
        transfer.export_classifier(tmp_path / "extractor.tflite", head, {"daisy", "rose"}, tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written
