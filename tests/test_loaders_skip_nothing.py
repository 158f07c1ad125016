"""What a loader would skip is refused with its name, never left out without a word."""

import numpy as np
import pytest
from PIL import Image

from helpers import EvaluationError, TransferError
from helpers.evaluate import image_paths
from helpers.transfer import image_set_from_folder


def _photo(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path)


@pytest.fixture
def dataset(tmp_path):
    for cls in ("daisy", "rose"):
        _photo(tmp_path / cls / "a.jpg")
        _photo(tmp_path / cls / "b.png")
    (tmp_path / "daisy" / ".DS_Store").write_bytes(b"x")  # system files are never photos: ignored
    (tmp_path / "README.txt").write_text("about this set")  # a note beside the class folders is fine
    return tmp_path


def test_a_clean_class_folder_set_loads_whole(dataset):
    images = image_set_from_folder(dataset)
    assert len(images) == 4


def test_a_sub_folder_inside_a_class_folder_is_refused(dataset):
    _photo(dataset / "rose" / "more" / "c.jpg")
    with pytest.raises(TransferError, match="folder inside the class folder 'rose'"):
        image_set_from_folder(dataset)


def test_photos_outside_every_class_folder_are_refused(dataset):
    _photo(dataset / "stray.jpg")
    with pytest.raises(TransferError, match="belong to no class"):
        image_set_from_folder(dataset)


def test_evaluate_refuses_a_folder_whose_entries_it_would_skip(tmp_path):
    _photo(tmp_path / "n01440764_tench.jpg")
    assert [p.name for p in image_paths(tmp_path)] == ["n01440764_tench.jpg"]
    (tmp_path / "README.md").write_text("notes beside the photos are fine")
    assert len(image_paths(tmp_path)) == 1
    (tmp_path / "notes.heic").write_bytes(b"not read")
    with pytest.raises(EvaluationError, match="notes.heic"):
        image_paths(tmp_path)
    (tmp_path / "notes.heic").unlink()
    _photo(tmp_path / "more" / "n01443537_goldfish.jpg")
    with pytest.raises(EvaluationError, match=r"'more' \(a folder\)"):
        image_paths(tmp_path)
