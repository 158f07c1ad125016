"""Reliability: odd inputs classify sensibly, broken ones fail clearly, downloads survive faults.

The input matrix uses the real MobileNet V2 and the real cat photo (marked ``assets``); the
download faults use a local HTTP server on 127.0.0.1 that misbehaves on purpose.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import subprocess
import sys
import time
import typing
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import AssetError, HelpersError, ImageError, LabelError, ModelError, assets
from helpers.classify import Classifier
from helpers.images import load_image

CAT_CLASSES = {
    "Egyptian cat",
    "tabby, tabby cat",
    "tiger cat",
    "Persian cat",
    "Siamese cat, Siamese",
    "lynx, catamount",
}


# ============================================================== odd but valid images


@pytest.fixture(scope="module")
def mobilenet() -> Classifier:
    labels = assets.read_labels("labels/imagenet_labels.txt")
    return Classifier(assets.fetch("models/mobilenet_v2_1.0_224_quant.tflite"), labels)


@pytest.fixture(scope="module")
def cat() -> Image.Image:
    return load_image(assets.fetch("images/cat.bmp"))


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _rotated_with_exif(cat: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 8  # stored rotated; "rotate 90° counter-clockwise to view" undoes it
    return _encode(cat.transpose(Image.Transpose.ROTATE_270), "JPEG", exif=exif, quality=92)


def _palette_with_transparency(cat: Image.Image) -> bytes:
    palette = cat.convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    return _encode(palette, "PNG", transparency=254)


def _grayscale_alpha(cat: Image.Image) -> bytes:
    la = cat.convert("LA")
    return _encode(la, "PNG")


def _sixteen_bit(cat: Image.Image) -> bytes:
    gray = np.asarray(cat.convert("L"), dtype=np.uint16) * 257  # full 16-bit range
    return _encode(Image.fromarray(gray), "PNG")


ODD_BUT_VALID: dict[str, typing.Callable[[Image.Image], object]] = {
    "grayscale JPEG": lambda cat: _encode(cat.convert("L"), "JPEG"),
    "grayscale + alpha PNG": _grayscale_alpha,
    "RGBA PNG (opaque)": lambda cat: _encode(cat.convert("RGBA"), "PNG"),
    "palette PNG with transparency": _palette_with_transparency,
    "CMYK JPEG": lambda cat: _encode(cat.convert("CMYK"), "JPEG"),
    "16-bit grayscale PNG": _sixteen_bit,
    "WebP": lambda cat: _encode(cat, "WEBP", quality=90),
    "EXIF-rotated phone JPEG": _rotated_with_exif,
}
GRAY = {"grayscale JPEG", "grayscale + alpha PNG", "16-bit grayscale PNG"}


@pytest.mark.assets
@pytest.mark.parametrize("kind", list(ODD_BUT_VALID))
def test_odd_but_valid_images_still_show_a_cat(mobilenet, cat, kind):
    top_5 = [label for label, _ in mobilenet.classify(ODD_BUT_VALID[kind](cat), top_k=5)]
    if kind in GRAY:  # colour is gone: a cat class among the top 5 is the sensible answer
        assert CAT_CLASSES & set(top_5), top_5
    else:  # colour and content kept: the same top answer as the original photo
        assert top_5[0] == "Egyptian cat", top_5


@pytest.mark.assets
@pytest.mark.parametrize("size", [(1, 1), (4000, 3), (3, 4000), (224, 224)])
def test_tiny_and_extreme_aspect_images_give_a_distribution(mobilenet, cat, size):
    probs = mobilenet.predict(cat.resize(size))
    # A 1×1 image is one flat colour: the distribution is flat, and with uint8 outputs (steps of
    # 1/256, rounded down) its sum falls well below 1 — notebook 02 shows why. Never above 1.
    assert probs.shape == (1001,) and np.all(probs >= 0) and 0.3 < probs.sum() <= 1.0
    assert len(mobilenet.classify(cat.resize(size), top_k=5)) == 5


@pytest.mark.assets
def test_huge_jpeg_panorama_is_decoded_at_reduced_scale(tmp_path, mobilenet, cat):
    # 11,000 × 10,000 = 110 MP, above the 100 MP limit: JPEG draft mode decodes it at 1/2 scale.
    big = cat.resize((11_000, 10_000), Image.Resampling.NEAREST).convert("L")
    path = tmp_path / "panorama.jpg"
    big.save(path, quality=60)
    del big
    image = load_image(path)
    assert image.size == (5_500, 5_000)
    assert CAT_CLASSES & {label for label, _ in mobilenet.classify(image, top_k=5)}


# ============================================================== broken inputs


def _heic_bytes() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


BROKEN_IMAGES = {
    "zero-byte file": (b"", "is empty"),
    "HTML saved as .jpg": (b"<!DOCTYPE html><html><body>403</body></html>", "is not an image"),
    "plain text as .png": (b"hello world\n" * 10, "is not an image"),
    "HEIC renamed to .jpg": (_heic_bytes(), "HEIC/HEIF"),
    "PDF renamed to .jpg": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(100), "PDF document"),
    "truncated JPEG": (None, "damaged or truncated"),
}


@pytest.mark.parametrize("kind", list(BROKEN_IMAGES))
def test_broken_image_files_name_the_file_and_the_fix(tmp_path, kind):
    data, message = BROKEN_IMAGES[kind]
    if data is None:
        full = _encode(Image.new("RGB", (300, 300), (200, 30, 30)).effect_spread(5), "JPEG")
        data = full[: len(full) // 2]
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    with pytest.raises(ImageError) as info:
        load_image(path)
    assert "upload.jpg" in str(info.value) and message in str(info.value)


def test_broken_model_and_label_inputs(tmp_path, tiny_models):
    cases = {
        "empty.tflite": (b"", ModelError, "is empty"),
        "page.tflite": (b"<html>Sign in to continue</html>", ModelError, "not a TensorFlow Lite model"),
        "weights.tflite": (b"\x89HDF\r\n\x1a\n" + bytes(64), ModelError, "not a TensorFlow Lite model"),
    }
    for name, (data, error, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(error, match=message):
            Classifier(tmp_path / name)
    with pytest.raises(LabelError, match="2 labels for 3 outputs: one output has no label"):
        Classifier(tiny_models["float"], ["a", "b"])
    with pytest.raises(ModelError, match="needs an image input"):
        Classifier(tiny_models["not_image"])


def test_every_error_is_a_helpers_error():
    for error in (AssetError, ImageError, LabelError, ModelError):
        assert issubclass(error, HelpersError)


# ============================================================== download faults


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


PAYLOAD = bytes(range(256)) * 400  # 100 kB


def test_connection_dropped_mid_file_leaves_nothing(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "drop", PAYLOAD)
    with pytest.raises(AssetError, match=r"(?s)dropped in the middle.*3 attempt.*CLASSROOM_ASSET_MIRROR"):
        assets.fetch("m.bin", progress=False)
    assert _files(tmp_path / "cache") == []
    assert asset_server.hits["/m.bin"] == assets._RETRIES


def test_transient_drops_are_retried_until_the_file_arrives(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "flaky", PAYLOAD)
    assert assets.fetch("m.bin", progress=False).read_bytes() == PAYLOAD
    assert asset_server.hits["/m.bin"] == 3 and _files(tmp_path / "cache") == ["m.bin"]


def test_html_page_with_status_200_is_not_kept(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "html", PAYLOAD)
    with pytest.raises(AssetError, match="HTML"):
        assets.fetch("m.bin", progress=False)
    assert _files(tmp_path / "cache") == []


def test_404_is_not_retried(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "ok", PAYLOAD)
    asset_server.routes.pop("/m.bin")
    with pytest.raises(AssetError, match="HTTP 404"):
        assets.fetch("m.bin", progress=False)
    assert asset_server.hits["/m.bin"] == 1 and _files(tmp_path / "cache") == []


def test_slow_server_times_out(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "slow", PAYLOAD)
    start = time.monotonic()
    with pytest.raises(AssetError, match="did not answer in time"):
        assets.fetch("m.bin", progress=False)
    assert time.monotonic() - start < 10 and _files(tmp_path / "cache") == []


def test_two_processes_fetching_the_same_file(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "models/m.bin", "trickle", PAYLOAD * 4)
    asset = asset_registry["models/m.bin"]
    code = (
        "import sys; from helpers import assets; from helpers.assets import Asset\n"
        f"entry = Asset(*{[asset.name, asset.sha256, asset.bytes, asset.url, asset.license]!r})\n"
        "assets.registry = lambda: {entry.name: entry}\n"
        "print(assets.fetch(entry.name, progress=False))\n"
    )
    env = {**os.environ, assets.CACHE_ENV: str(tmp_path / "cache")}
    env.pop(assets.MIRROR_ENV, None)
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60)[0].strip() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert outputs[0] == outputs[1] == str(tmp_path / "cache/models/m.bin")
    assert (tmp_path / "cache/models/m.bin").read_bytes() == PAYLOAD * 4
    assert _files(tmp_path / "cache") == ["models/m.bin"]  # no .part files left behind


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str, read_only: bool = False):
    """Mount a tiny tmpfs (needs root); yields False when mounting is not possible here."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=False)


def test_read_only_cache_falls_back_to_a_session_folder(asset_registry, asset_server, tmp_path, monkeypatch):
    asset_server.serve(asset_registry, "m.bin", "ok", PAYLOAD)
    cache = tmp_path / "ro-cache"
    with _tmpfs(cache, "1m", read_only=True) as mounted:
        if not mounted:  # no mount permission: a cache path below a regular file is just as unwritable
            (tmp_path / "plain-file").write_text("x")
            cache = tmp_path / "plain-file" / "cache"
        monkeypatch.setenv(assets.CACHE_ENV, str(cache))
        with pytest.warns(UserWarning, match=r"cannot be written to.*CLASSROOM_CACHE_DIR"):
            path = assets.fetch("m.bin", progress=False)
        assert path == tmp_path / "session/m.bin" and path.read_bytes() == PAYLOAD
        assert assets.fetch("m.bin", progress=False) == path  # found again without a download
        assert asset_server.hits["/m.bin"] == 1


def test_full_disk_is_explained_and_leaves_nothing(asset_registry, asset_server, tmp_path, monkeypatch):
    asset_server.serve(asset_registry, "m.bin", "ok", PAYLOAD)  # 100 kB into a 64 kB file system
    cache = tmp_path / "small-cache"
    with _tmpfs(cache, "64k") as mounted:
        if not mounted:  # simulate ENOSPC at the first write instead
            real_fdopen = os.fdopen

            class _Full(io.RawIOBase):
                def writable(self):
                    return True

                def write(self, data):
                    raise OSError(errno.ENOSPC, "No space left on device")

            def fdopen(fd, *args, **kwargs):
                os.close(fd)
                return io.BufferedWriter(_Full()) if "wb" in args else real_fdopen(fd, *args, **kwargs)

            monkeypatch.setattr(assets.os, "fdopen", fdopen)
        monkeypatch.setenv(assets.CACHE_ENV, str(cache))
        with pytest.raises(AssetError, match=r"disk .* is full.*Nothing partial was kept.*CLASSROOM_CACHE_DIR"):
            assets.fetch("m.bin", progress=False)
        assert _files(cache) == []


def test_verify_repairs_a_corrupted_cache_entry(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "m.bin", "ok", PAYLOAD)
    path = assets.fetch("m.bin", progress=False)
    with open(path, "r+b") as handle:  # flip one byte, keep the size
        handle.seek(1000)
        handle.write(b"\xff")
    assets._verified.clear()
    report = assets.verify(progress=False)
    assert report["corrupt"] == ["m.bin"] and report["repaired"] == ["m.bin"]
    assert path.read_bytes() == PAYLOAD


def test_prefetch_resumes_after_a_failure(asset_registry, asset_server, tmp_path):
    asset_server.serve(asset_registry, "images/a.bin", "ok", b"a" * 1000)
    asset_server.serve(asset_registry, "images/b.bin", "drop", b"b" * 1000)
    assert assets.main(["prefetch", "images"]) == 1  # b fails; a is kept
    assert _files(tmp_path / "cache") == ["images/a.bin"]
    asset_server.routes["/images/b.bin"] = ("ok", b"b" * 1000)
    hits_a = asset_server.hits["/images/a.bin"]
    assert assets.main(["prefetch", "images"]) == 0
    assert asset_server.hits["/images/a.bin"] == hits_a  # not downloaded again
    assert _files(tmp_path / "cache") == ["images/a.bin", "images/b.bin"]


@contextlib.contextmanager
def _read_only_cache_holding(folder: Path, files: dict[str, bytes]):
    """``folder`` holding ``files``, read-only: a tmpfs remounted ``ro`` (root), else folders chmod 555 (not root).

    Yields how it was made read-only, or None when neither works (root without mount rights).
    """
    with _tmpfs(folder, "1m") as mounted:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        folders = sorted({p for p in folder.rglob("*") if p.is_dir()} | {folder}, reverse=True)
        how = None
        if (
            mounted
            and subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, check=False).returncode
            == 0
        ):
            how = "read-only tmpfs mount"
        elif not mounted and os.geteuid() != 0:
            for path in folders:
                path.chmod(0o555)
            how = "chmod 555"
        try:
            yield how
        finally:
            if how == "chmod 555":
                for path in folders:
                    path.chmod(0o755)


def test_read_only_cache_with_a_damaged_file_falls_through(asset_registry, asset_server, tmp_path, monkeypatch):
    """A shared read-only cache (a read-only tmpfs mount) holding one corrupt and one stale (old version) file."""
    asset_server.serve(asset_registry, "models/a.bin", "ok", PAYLOAD)
    asset_server.serve(asset_registry, "models/b.bin", "ok", PAYLOAD[::-1])
    cache = tmp_path / "shared-cache"
    damaged = {"models/a.bin": PAYLOAD[:-1] + b"\x00", "models/b.bin": b"last year's model"}
    with _read_only_cache_holding(cache, damaged) as read_only:
        if read_only is None:
            pytest.skip("root without mount rights: neither a read-only mount nor chmod can make it read-only")
        monkeypatch.setenv(assets.CACHE_ENV, str(cache))
        mirror = tmp_path / "mirror/models"
        mirror.mkdir(parents=True)
        (mirror / "a.bin").write_bytes(PAYLOAD)
        monkeypatch.setenv(assets.MIRROR_ENV, str(mirror.parent))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # The mirror has a: read straight from it. It lacks b: downloaded into the session folder.
            assert [assets.fetch("models/a.bin", progress=False) for _ in range(3)] == [mirror / "a.bin"] * 3
            assert assets.fetch("models/b.bin", progress=False) == tmp_path / "session/models/b.bin"
            assert assets.fetch("models/b.bin", progress=False) == tmp_path / "session/models/b.bin"
        messages = [str(w.message) for w in caught]
        assert len(messages) == 2, messages  # said once per way out, not once per call
        assert all("cannot be written to" in m and "read-only" in m and assets.CACHE_ENV in m for m in messages)
        assert asset_server.hits.get("/models/a.bin", 0) == 0 and asset_server.hits["/models/b.bin"] == 1
        report = assets.verify(progress=False)  # reports, never a raw OSError
        assert report["corrupt"] == ["models/a.bin", "models/b.bin"] and len(report["failed"]) == 2
        assert "could not be replaced" in report["failed"][0]
        assert assets.main(["verify", "--no-repair"]) == 1
        assert (cache / "models/a.bin").read_bytes() == damaged["models/a.bin"]  # untouched


def test_twenty_processes_repairing_the_same_file_never_lose_the_path(asset_registry, tmp_path):
    """500 fetch calls from 20 processes while the cached copy keeps being damaged: every returned path opens."""
    data = PAYLOAD * 2
    mirror = tmp_path / "mirror"
    (mirror / "models").mkdir(parents=True)
    (mirror / "models/m.bin").write_bytes(data)
    cache = tmp_path / "cache"
    (cache / "models").mkdir(parents=True)
    (cache / "models/m.bin").write_bytes(b"corrupt")
    asset = assets.Asset("models/m.bin", hashlib.sha256(data).hexdigest(), len(data), "http://127.0.0.1:9/m", "test")
    code = (
        "import os, warnings; warnings.simplefilter('ignore')\n"
        "from helpers import assets; from helpers.system import write_bytes_atomically\n"
        f"entry = assets.Asset(*{[asset.name, asset.sha256, asset.bytes, asset.url, asset.license]!r})\n"
        "assets.registry = lambda: {entry.name: entry}\n"
        "lost = wrong = 0\n"
        "for i in range(25):\n"
        "    path = assets.fetch(entry.name, progress=False)\n"
        "    try:\n"
        "        open(path, 'rb').close()\n"
        "    except FileNotFoundError:\n"
        "        lost += 1\n"
        "    if path.parent.parent != assets.cache_dir(): wrong += 1\n"
        "    if i % 5 == 0:  # damage it again (as a crash or a bad copy would), for the others to repair\n"
        "        write_bytes_atomically(path, b'damaged again')\n"
        "print(lost, wrong)\n"
    )
    env = {**os.environ, assets.CACHE_ENV: str(cache), assets.MIRROR_ENV: str(mirror)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(20)
    ]
    results = [proc.communicate(timeout=240) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 20, [err[-500:] for _, err in results if err]
    lost, wrong = (sum(int(out.split()[k]) for out, _ in results) for k in (0, 1))
    assert (lost, wrong) == (0, 0)
    asset_registry[asset.name] = asset
    os.environ[assets.MIRROR_ENV] = str(mirror)
    try:
        assert assets.fetch("models/m.bin", progress=False).read_bytes() == data  # whoever damaged it last
    finally:
        del os.environ[assets.MIRROR_ENV]
    assert _files(cache) == ["models/m.bin"]  # no .part left by anyone
