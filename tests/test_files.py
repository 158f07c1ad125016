"""helpers.files.write_files_atomically: a pair of files changes together, with or without hard links."""

from __future__ import annotations

import errno

import pytest

from helpers import files


@pytest.mark.parametrize("links", [True, False], ids=["hard links", "no hard links"])
def test_a_failed_rename_gives_every_file_its_old_content_back(tmp_path, monkeypatch, links):
    model, labels = tmp_path / "model.tflite", tmp_path / "labels.txt"
    files.write_files_atomically({model: b"old model", labels: b"old labels"})
    real_replace = files.os.replace

    def replace(source, destination):
        if destination == labels and str(source).endswith(files.PART_SUFFIX):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, destination)

    monkeypatch.setattr(files.os, "replace", replace)
    if not links:  # as on a folder that has no hard links: the old files are kept as copies
        monkeypatch.setattr(files.os, "link", lambda *_: (_ for _ in ()).throw(OSError(errno.EPERM, "no links")))
    with pytest.raises(OSError, match="No space left"):
        files.write_files_atomically({model: b"new model", labels: b"new labels"})
    assert (model.read_bytes(), labels.read_bytes()) == (b"old model", b"old labels")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.txt", "model.tflite"]  # no .part or .old left
