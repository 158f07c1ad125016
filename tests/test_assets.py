"""helpers.assets: cache → mirror → download, sha256 always checked, nothing partial kept."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from helpers import AssetError, HelpersError, assets
from helpers.assets import Asset


def _asset(name: str, data: bytes, url: str = "http://127.0.0.1:9/none") -> Asset:
    return Asset(name, hashlib.sha256(data).hexdigest(), len(data), url, "test")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_registry_covers_the_manifest_columns():
    entries = assets.registry()
    assert len(entries) > 1000
    model = entries["models/mobilenet_v2_1.0_224_quant.tflite"]
    assert model.bytes == 3610798 and model.url.startswith("https://") and model.license == "Apache-2.0"
    assert {a.group for a in entries.values()} == set(assets.GROUPS)


def test_registry_command_regenerates_from_a_manifest(tmp_path):
    manifest = tmp_path / "MANIFEST.tsv"
    data = b"hello"
    manifest.write_text(
        "path\tsha256\tbytes\turl\tlicense\n"
        f"images/x.jpg\t{hashlib.sha256(data).hexdigest()}\t5\thttps://example.org/x.jpg\tCC0\n"
    )
    out = tmp_path / "assets.tsv"
    assert assets.main(["registry", str(manifest), "-o", str(out)]) == 0
    assert assets.read_registry_file(out)["images/x.jpg"].bytes == 5


def test_bad_registry_rows_are_reported(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tsha256\tbytes\turl\tlicense\nx\tnot-a-hash\t12\thttp://u\tl\n")
    with pytest.raises(AssetError, match="bad.tsv:2: bad sha256"):
        assets.read_registry_file(bad)


def test_unknown_name_suggests_close_ones(asset_registry):
    asset_registry["models/cat.tflite"] = _asset("models/cat.tflite", b"x")
    with pytest.raises(AssetError, match="'models/cats.tflite' is not in the asset registry.*models/cat.tflite"):
        assets.fetch("models/cats.tflite")


def test_unknown_group():
    with pytest.raises(AssetError, match="Unknown asset group 'fish'"):
        assets.names("fish")


def test_mirror_copy_enters_the_cache(asset_registry, tmp_path, monkeypatch):
    data = b"model bytes" * 100
    asset_registry["models/m.tflite"] = _asset("models/m.tflite", data)
    mirror = tmp_path / "mirror"
    (mirror / "models").mkdir(parents=True)
    (mirror / "models/m.tflite").write_bytes(data)
    monkeypatch.setenv(assets.MIRROR_ENV, str(mirror))
    path = assets.fetch("models/m.tflite")
    assert path == tmp_path / "cache/models/m.tflite" and path.read_bytes() == data
    (mirror / "models/m.tflite").unlink()
    assert assets.fetch("models/m.tflite") == path  # the cache answers now


def test_corrupt_mirror_file_is_ignored(asset_registry, tmp_path, monkeypatch, asset_server):
    data = b"right bytes"
    asset_server.routes["/m"] = ("ok", data)
    asset_registry["m.bin"] = _asset("m.bin", data, asset_server.url + "/m")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "m.bin").write_bytes(b"wrong bytes")
    monkeypatch.setenv(assets.MIRROR_ENV, str(mirror))
    with pytest.warns(UserWarning, match="does not match"):
        path = assets.fetch("m.bin", progress=False)
    assert path.read_bytes() == data


def test_corrupt_cache_entry_is_replaced(asset_registry, tmp_path, asset_server):
    data = b"fresh"
    asset_server.routes["/f"] = ("ok", data)
    asset_registry["f.bin"] = _asset("f.bin", data, asset_server.url + "/f")
    cached = tmp_path / "cache/f.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"stale")
    assert assets.fetch("f.bin", progress=False).read_bytes() == data


def test_download_verifies_and_caches(asset_registry, tmp_path, asset_server):
    data = bytes(range(256)) * 50
    asset_server.routes["/ok.bin"] = ("ok", data)
    asset_registry["models/ok.bin"] = _asset("models/ok.bin", data, asset_server.url + "/ok.bin")
    path = assets.fetch("models/ok.bin", progress=False)
    assert path.read_bytes() == data
    assert _leftovers(tmp_path / "cache") == ["ok.bin"]


def test_html_error_page_with_status_200_is_refused(asset_registry, tmp_path, asset_server):
    asset_server.routes["/page"] = ("ok", b"<!DOCTYPE html><html>rate limited</html>")
    asset_registry["models/x.tflite"] = _asset("models/x.tflite", b"the real model", asset_server.url + "/page")
    with pytest.raises(AssetError, match="does not match the registry's sha256.*HTML"):
        assets.fetch("models/x.tflite", progress=False)
    assert _leftovers(tmp_path / "cache") == []


def test_404_fails_fast_with_both_fixes(asset_registry, tmp_path, asset_server):
    asset_registry["images/gone.jpg"] = _asset("images/gone.jpg", b"x", asset_server.url + "/gone")
    with pytest.raises(AssetError) as info:
        assets.fetch("images/gone.jpg", progress=False)
    message = str(info.value)
    assert "images/gone.jpg" in message and asset_server.url + "/gone" in message and "404" in message
    assert assets.MIRROR_ENV in message and assets.PREFETCH_COMMAND in message
    assert _leftovers(tmp_path / "cache") == []


def test_offline_without_mirror_fails_within_seconds(asset_registry, tmp_path):
    asset_registry["models/m.tflite"] = _asset("models/m.tflite", b"x", "http://127.0.0.1:9/m.tflite")  # closed port
    start = time.monotonic()
    with pytest.raises(AssetError, match=r"(?s)models/m.tflite.*127.0.0.1:9/m.tflite.*CLASSROOM_ASSET_MIRROR.*prefetch"):
        assets.fetch("models/m.tflite", progress=False)
    assert time.monotonic() - start < 10
    assert _leftovers(tmp_path / "cache") == []


def test_offline_switch_forbids_downloads(asset_registry, monkeypatch, asset_server):
    asset_server.routes["/m"] = ("ok", b"x")
    asset_registry["m"] = _asset("m", b"x", asset_server.url + "/m")
    monkeypatch.setenv(assets.OFFLINE_ENV, "1")
    with pytest.raises(AssetError, match="CLASSROOM_OFFLINE=1 forbids downloads"):
        assets.fetch("m")


def test_fetch_many_keeps_order_and_reports_failures(asset_registry, asset_server):
    for i in range(5):
        asset_server.routes[f"/{i}"] = ("ok", f"file {i}".encode())
        asset_registry[f"images/{i}.txt"] = _asset(f"images/{i}.txt", f"file {i}".encode(), asset_server.url + f"/{i}")
    paths = assets.fetch_many([f"images/{i}.txt" for i in (3, 1, 4)], progress=False)
    assert [p.name for p in paths] == ["3.txt", "1.txt", "4.txt"]
    asset_registry["images/bad.txt"] = _asset("images/bad.txt", b"y", asset_server.url + "/missing")
    with pytest.raises(AssetError, match="1 of 2 files could not be fetched.*run the same command again"):
        assets.fetch_many(["images/0.txt", "images/bad.txt"], progress=False)


def test_verify_reports_and_repairs(asset_registry, tmp_path, asset_server):
    asset_server.routes["/a"] = ("ok", b"aaa")
    asset_registry["a"] = _asset("a", b"aaa", asset_server.url + "/a")
    asset_registry["b"] = _asset("b", b"bbb", asset_server.url + "/b")
    assets.fetch("a", progress=False)
    (tmp_path / "cache/a").write_bytes(b"zzz")  # same size, wrong bytes
    assets._verified.clear()
    report = assets.verify(progress=False)
    assert report["corrupt"] == ["a"] and report["repaired"] == ["a"] and report["missing"] == ["b"]
    assert (tmp_path / "cache/a").read_bytes() == b"aaa"


def test_photo_credit_for_coral_images():
    assert "Open Images" in assets.photo_credit("images/cat.bmp")
    assert "public domain" in assets.photo_credit("images/grace_hopper.bmp")


def test_asset_error_is_a_helpers_error():
    assert issubclass(AssetError, HelpersError)
