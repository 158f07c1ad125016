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


@pytest.mark.parametrize("workers", [1, 3])
def test_parallel_map_keeps_the_order_and_gives_each_thread_its_own_state(workers):
    import threading

    made = []

    def state():
        made.append(threading.get_ident())
        return threading.get_ident()

    results = files.parallel_map(lambda owner, x: (owner, x * x), range(20), workers=workers, worker_state=state)
    assert [x for _, x in results] == [x * x for x in range(20)]
    assert len(made) == len(set(made)) <= workers  # one state per thread, made in that thread
    assert {owner for owner, _ in results} <= set(made)
    assert files.parallel_map(str, [], workers=3) == []


def test_parallel_map_raises_the_first_error_and_starts_nothing_more():
    import time

    started = []

    def work(x):
        started.append(x)
        if x == 0:
            raise ValueError("bad item 0")
        time.sleep(0.02)
        return x

    with pytest.raises(ValueError, match="bad item 0"):
        files.parallel_map(work, range(200), workers=2)
    assert len(started) < 200


def test_parallel_map_progress_counts_the_weights(monkeypatch):
    import tqdm.auto

    seen = {}

    class Bar:
        def __init__(self, total, disable, **options):
            seen.update(total=total, options=options, n=0)

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def update(self, amount):
            seen["n"] += amount

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    files.parallel_map(str, [1, 2, 3], workers=2, progress={"desc": "bytes", "unit": "B"}, weight=lambda x: 10 * x)
    assert seen == {"total": 60, "options": {"leave": False, "desc": "bytes", "unit": "B"}, "n": 60}
