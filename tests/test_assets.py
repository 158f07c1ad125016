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
    assert {name.split("/", 1)[0] for name in entries} == set(assets._GROUPS)


def test_registry_command_regenerates_from_a_manifest(tmp_path, capsys):
    manifest = tmp_path / "MANIFEST.tsv"
    data = b"hello"
    manifest.write_text(
        "path\tsha256\tbytes\turl\tlicense\n"
        f"images/x.jpg\t{hashlib.sha256(data).hexdigest()}\t5\thttps://example.org/x.jpg\tCC0\n"
    )
    out = tmp_path / "assets.tsv"
    assert assets.main(["registry", str(manifest), "-o", str(out)]) == 0
    assert f"images/x.jpg\t{hashlib.sha256(data).hexdigest()}\t5\t" in out.read_text()
    assert assets.main(["registry", str(tmp_path / "missing.tsv"), "-o", str(out)]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_bad_registry_rows_are_reported(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tsha256\tbytes\turl\tlicense\nx\tnot-a-hash\t12\thttp://u\tl\n")
    assert assets.main(["registry", str(bad), "-o", str(tmp_path / "out.tsv")]) == 2
    assert "bad.tsv:2: bad sha256" in capsys.readouterr().err


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
    with pytest.raises(
        AssetError, match=r"(?s)models/m.tflite.*127.0.0.1:9/m.tflite.*CLASSROOM_ASSET_MIRROR.*prefetch"
    ):
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


# ============================================================== names, settings, command line


@pytest.mark.parametrize(
    "bad",
    [
        "../secret",
        "images/../../x",
        "/etc/passwd",
        "images\\cat.bmp",
        "images//cat.bmp",
        "",
        "images/./cat.bmp",
        "C:/x",
        "images/",
        "a\nb",
    ],
)
def test_unsafe_names_are_refused_before_any_path_is_built(asset_registry, tmp_path, bad):
    with pytest.raises(AssetError, match="is not a valid asset name"):
        assets.fetch(bad)
    assert not (tmp_path / "cache").exists()


def test_a_path_or_a_number_is_not_a_name(asset_registry):
    with pytest.raises(AssetError, match="registry name as a string.*not a path"):
        assets.fetch(Path("images/cat.bmp"))
    with pytest.raises(AssetError, match="must be a string.*int"):
        assets.fetch(3)


def test_registry_rows_with_unsafe_names_are_refused(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text(f"name\tsha256\tbytes\turl\tlicense\n../evil\t{'0' * 64}\t1\thttp://u\tl\n")
    assert assets.main(["registry", str(bad), "-o", str(tmp_path / "out.tsv")]) == 2
    assert "bad.tsv:2: '../evil' is not a valid asset name" in capsys.readouterr().err


def test_relative_cache_dir_is_refused_with_the_absolute_fix(asset_registry, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(assets.CACHE_ENV, "my-cache")
    asset_registry["a"] = _asset("a", b"a")
    with pytest.raises(AssetError, match=rf"relative path.*absolute path.*{tmp_path}/my-cache"):
        assets.fetch("a")
    assert assets.main(["verify"]) == 2


def test_relative_mirror_is_resolved_once(asset_registry, monkeypatch, tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror/a").write_bytes(b"aaa")
    asset_registry["a"] = _asset("a", b"aaa")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(assets.MIRROR_ENV, "mirror")
    assert assets._mirror_dir() == tmp_path / "mirror"
    monkeypatch.chdir(tmp_path / "mirror")  # a notebook that changes folder keeps the same mirror
    assert assets._mirror_dir() == tmp_path / "mirror"
    assert assets.fetch("a").read_bytes() == b"aaa"


@pytest.mark.parametrize(
    "argv",
    [
        ["fetch", "images/nope.jpg"],
        ["fetch", "../x"],
        ["prefetch", "fish"],
        ["registry", "/no/such/MANIFEST.tsv"],
        ["registry", "MANIFEST", "-o", "."],
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(asset_registry, capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "MANIFEST").write_text(
        f"path\tsha256\tbytes\turl\tlicense\nimages/x.jpg\t{'0' * 64}\t5\thttps://e/x\tCC0\n"
    )
    assert assets.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_cli_in_a_real_process_never_tracebacks(tmp_path):
    import subprocess
    import sys

    for argv in (["registry", str(tmp_path / "missing.tsv")], ["fetch", "models/../../etc/passwd"]):
        run = subprocess.run(
            [sys.executable, "-m", "helpers.assets", *argv],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, assets.CACHE_ENV: str(tmp_path / "c")},
            check=False,
        )
        assert run.returncode == 2 and "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr


def test_cli_fetch_prints_paths(asset_registry, tmp_path, capsys):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a").write_bytes(b"aaa")
    asset_registry["a"] = _asset("a", b"aaa")
    import os

    os.environ[assets.MIRROR_ENV] = str(mirror)
    try:
        assert assets.main(["fetch", "a"]) == 0
    finally:
        del os.environ[assets.MIRROR_ENV]
    assert capsys.readouterr().out.strip() == str(tmp_path / "cache/a")


# ============================================================== verify, leftovers, folders in the way


def test_verify_rehashes_a_file_rewritten_with_the_same_size_and_mtime(asset_registry, tmp_path, asset_server):
    import os

    asset_server.routes["/a"] = ("ok", b"good bytes")
    asset_registry["a"] = _asset("a", b"good bytes", asset_server.url + "/a")
    path = assets.fetch("a", progress=False)
    assert assets.verify(repair=False, progress=False)["ok"] == ["a"]
    before = path.stat()
    with open(path, "r+b") as handle:  # in place: same inode, same size
        handle.write(b"evil")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert assets.verify(repair=False, progress=False)["corrupt"] == ["a"]  # no memo trusted
    assert assets.fetch("a", progress=False).read_bytes() == b"good bytes"  # fetch's memo notices the ctime too


def test_leftovers_of_killed_downloads_are_cleaned_but_not_a_live_writers(asset_registry, tmp_path):
    import os
    import socket
    import subprocess
    import sys

    folder = tmp_path / "cache/images"
    folder.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=False
    )
    host = socket.gethostname()
    killed = folder / f".a.jpg@{host}@{int(dead.stdout)}@x1.part"
    live = folder / f".b.jpg@{host}@{os.getppid()}@x2.part"  # a running process (pytest's parent)
    other_host = folder / f".c.jpg@elsewhere@{int(dead.stdout)}@x3.part"  # can't check: kept while fresh
    old = folder / ".d.jpg.k3j2.part"  # an older naming, untouched for an hour
    for part in (killed, live, other_host, old):
        part.write_bytes(b"partial")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    report = assets.verify(progress=False)
    assert sorted(Path(p).name for p in report["cleaned"]) == sorted([killed.name, old.name])
    assert live.exists() and other_host.exists()


def test_a_folder_where_the_file_should_be(asset_registry, tmp_path, asset_server):
    asset_server.routes["/a"] = ("ok", b"aaa")
    asset_registry["a"] = _asset("a", b"aaa", asset_server.url + "/a")
    (tmp_path / "cache/a").mkdir(parents=True)  # empty: safe to remove, the file takes its place
    assert assets.fetch("a", progress=False) == tmp_path / "cache/a"
    asset_server.routes["/b"] = ("ok", b"bbb")
    asset_registry["b"] = _asset("b", b"bbb", asset_server.url + "/b")
    (tmp_path / "cache/b").mkdir()
    (tmp_path / "cache/b/notes.txt").write_text("someone's notes")  # not empty: never deleted
    with pytest.warns(UserWarning, match=r"cache/b is a folder, where the file should be \(remove that folder\)"):
        path = assets.fetch("b", progress=False)
    assert path == tmp_path / "session/b" and path.read_bytes() == b"bbb"
    report = assets.verify(progress=False)
    assert report["corrupt"] == ["b"] and "could not be replaced" in report["failed"][0]
    assert (tmp_path / "cache/b/notes.txt").exists()


def test_download_stops_at_the_registry_size(asset_registry, tmp_path, scripted_server):
    scripted_server.endless("/big")  # 40 MB for a 1 kB file
    asset_registry["a"] = _asset("a", b"x" * 1000, scripted_server.url + "/big")
    start = time.monotonic()
    with pytest.raises(AssetError, match="more than 1000 bytes, stopped there"):
        assets.fetch("a", progress=False)
    assert time.monotonic() - start < 5
    time.sleep(0.2)
    assert scripted_server.sent["/big"] < 8_000_000  # the client hung up early
    assert _leftovers(tmp_path / "cache") == []


# ============================================================== atomic writes (helpers.system)


def test_atomic_writer_keeps_the_old_file_on_failure(tmp_path):
    from helpers.system import atomic_writer, write_bytes_atomically

    target = tmp_path / "out.bin"
    write_bytes_atomically(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"new, half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == ["out.bin"]


# ============================================================== archives, rate limits (a local server)


@pytest.fixture(autouse=True)
def _fresh_network_state(monkeypatch):
    monkeypatch.setattr(assets, "_pause_until", 0.0)
    monkeypatch.setattr(assets, "_limited_since", None)
    monkeypatch.setattr(assets, "_gave_up_at", -float("inf"))
    monkeypatch.setattr(assets, "_warned", set())


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """Every wait asked for, recorded instead of slept, on a clock that waiting moves on (threads wait side by side)."""
    import threading

    asked: list[float] = []
    now = [1000.0]
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            start = now[0]
            asked.append(seconds)
        with lock:
            now[0] = max(now[0], start + seconds)

    monkeypatch.setattr(assets, "_sleep", sleep)
    monkeypatch.setattr(assets, "_clock", lambda: now[0])
    return asked


class _Scripted:
    """A local server whose answers are scripted per path: a list of (status, headers, body), the last repeats."""

    def __init__(self, url: str) -> None:
        import collections
        import threading

        self.url, self.routes, self.lock = url, {}, threading.Lock()
        self.hits: collections.Counter = collections.Counter()
        self.sent: collections.Counter = collections.Counter()

    def script(self, path: str, *answers: tuple[int, dict, bytes]) -> None:
        self.routes[path] = list(answers)

    def endless(self, path: str) -> None:
        self.routes[path] = "endless"


@pytest.fixture
def scripted_server():
    import http.server
    import threading

    server: _Scripted

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with server.lock:
                server.hits[self.path] += 1
                answers = server.routes.get(self.path)
                answer = (
                    answers
                    if answers == "endless"
                    else ((answers.pop(0) if len(answers) > 1 else answers[0]) if answers else None)
                )
            if answer is None:
                self.send_error(404)
                return
            if answer == "endless":
                self.send_response(200)
                self.send_header("Content-Length", str(40_000_000))
                self.end_headers()
                try:
                    for _ in range(40_000_000 // 65536):
                        self.wfile.write(bytes(65536))
                        server.sent[self.path] += 65536
                except OSError:
                    pass
                return
            status, headers, body = answer
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server = _Scripted(f"http://127.0.0.1:{httpd.server_address[1]}")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield server
    httpd.shutdown()


COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _photo_repo(server: _Scripted, registry: dict, monkeypatch, count: int = 30) -> tuple[dict[str, bytes], str]:
    """``count`` registered photos of one pinned repository, each also served one by one; returns them and the archive path."""
    prefix = f"{server.url}/owner/photos/raw/{COMMIT}/"
    files = {
        f"imagenet-samples/n{i:08d}_thing.JPEG": hashlib.sha256(b"%d" % i).digest() * (30 + i) for i in range(count)
    }
    for name, data in files.items():
        member = name.split("/", 1)[1]
        registry[name] = _asset(name, data, prefix + member)
        server.script(f"/owner/photos/raw/{COMMIT}/{member}", (200, {}, data))
    archive_path = f"/owner/photos/archive/{COMMIT}.zip"
    monkeypatch.setattr(assets, "archives", lambda: [assets.Archive(server.url + archive_path, prefix, 10_000_000)])
    return files, archive_path


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"photos-{COMMIT}/", b"")
        for member, data in members.items():
            zf.writestr(f"photos-{COMMIT}/{member}", data)
        zf.writestr(f"photos-{COMMIT}/README.md", b"not registered")
    return buffer.getvalue()


def test_a_group_comes_from_one_archive_and_every_file_is_checked(
    asset_registry, scripted_server, monkeypatch, tmp_path
):
    files, archive_path = _photo_repo(scripted_server, asset_registry, monkeypatch)
    names_ = sorted(files)
    members = {n.split("/", 1)[1]: d for n, d in files.items()}
    members[names_[0].split("/", 1)[1]] = b"X" * len(files[names_[0]])  # damaged inside the archive, same size
    del members[names_[1].split("/", 1)[1]]  # and one missing from it
    scripted_server.script(archive_path, (200, {}, _zip(members)))
    paths = assets.fetch_many(names_, progress=False)
    assert [p.read_bytes() for p in paths] == [files[n] for n in names_]
    assert scripted_server.hits[archive_path] == 1
    per_file = {p for p in scripted_server.hits if "/raw/" in p}
    assert per_file == {asset_registry[n].url[len(scripted_server.url) :] for n in names_[:2]}  # only the two bad ones
    assert _leftovers(tmp_path / "cache") == sorted(p.name for p in paths)  # no archive, no .part left
    # Everything cached: a second run makes no request at all.
    hits = sum(scripted_server.hits.values())
    assets.fetch_many(names_, progress=False)
    assert sum(scripted_server.hits.values()) == hits


def test_one_archive_serves_every_group_of_its_source(asset_registry, scripted_server, monkeypatch):
    files, archive_path = _photo_repo(scripted_server, asset_registry, monkeypatch, count=50)
    scripted_server.script(archive_path, (200, {}, _zip({n.split("/", 1)[1]: d for n, d in files.items()})))
    names_ = sorted(files)
    assets.fetch_many(names_[:25], progress=False)  # e.g. flowers/train, then flowers/val
    assert [p.read_bytes() for p in assets.fetch_many(names_[25:], progress=False)] == [files[n] for n in names_[25:]]
    assert sum(scripted_server.hits.values()) == scripted_server.hits[archive_path] == 1


def test_the_mirror_comes_before_any_archive(asset_registry, scripted_server, monkeypatch, tmp_path):
    files, _ = _photo_repo(scripted_server, asset_registry, monkeypatch)
    mirror = tmp_path / "mirror"
    for name, data in files.items():
        (mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / name).write_bytes(data)
    monkeypatch.setenv(assets.MIRROR_ENV, str(mirror))
    assert len(assets.fetch_many(sorted(files), progress=False)) == len(files)
    assert sum(scripted_server.hits.values()) == 0


@pytest.mark.parametrize("fault", ["short body", "dropped connection"])
def test_a_truncated_archive_falls_back_to_single_files(asset_registry, scripted_server, monkeypatch, fault):
    files, archive_path = _photo_repo(scripted_server, asset_registry, monkeypatch)
    whole = _zip({n.split("/", 1)[1]: d for n, d in files.items()})
    headers = {} if fault == "short body" else {"Content-Length": str(len(whole))}
    scripted_server.script(archive_path, (200, headers, whole[: len(whole) // 2]))
    with pytest.warns(UserWarning, match="(damaged or truncated|dropped in the middle).*one at a time"):
        paths = assets.fetch_many(sorted(files), progress=False)
    assert [p.read_bytes() for p in paths] == [files[n] for n in sorted(files)]
    assert scripted_server.hits[archive_path] == (1 if fault == "short body" else assets._RETRIES)


def test_an_oversized_archive_is_stopped(asset_registry, scripted_server, monkeypatch):
    files, archive_path = _photo_repo(scripted_server, asset_registry, monkeypatch)
    scripted_server.endless(archive_path)
    with pytest.warns(UserWarning, match="larger than the 10000000 bytes"):
        assert len(assets.fetch_many(sorted(files), progress=False)) == len(files)


def test_retry_after_in_seconds_and_as_an_http_date():
    from email.utils import formatdate

    assert assets._retry_after("7") == 7.0
    assert assets._retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30.0
    assert assets._retry_after(formatdate(999_000, usegmt=True), now=1_000_000) == 0.0  # in the past
    assert assets._retry_after("soon") is None and assets._retry_after(None) is None


def test_a_429_storm_is_waited_out(asset_registry, scripted_server, waits, monkeypatch):
    """40 files on 8 threads; every file is refused 3 times (Retry-After in seconds or as a date) before it comes."""
    from email.utils import formatdate

    monkeypatch.setattr(assets, "archives", list)
    files = {f"images/{i}.jpg": b"photo %d " % i * 50 for i in range(40)}
    for i, (name, data) in enumerate(files.items()):
        after = {"Retry-After": "2"} if i % 2 else {"Retry-After": formatdate(time.time() + 3, usegmt=True)}
        limited = (429, after, b"<html>Too many requests</html>")
        busy = (503, {}, b"busy")
        scripted_server.script(f"/{i}", limited, busy, limited, (200, {}, data))
        asset_registry[name] = _asset(name, data, f"{scripted_server.url}/{i}")
    paths = assets.fetch_many(list(files), workers=8, progress=False)
    assert [p.read_bytes() for p in paths] == list(files.values())
    assert all(scripted_server.hits[f"/{i}"] == 4 for i in range(40))
    assert 2.0 in waits and any(1.0 < w <= 3.0 and w != 2.0 for w in waits)  # both header forms honoured
    assert max(waits) <= assets._RATE_LIMIT_WAIT


def test_429_and_503_without_retry_after_back_off_longer_than_a_dropped_connection(
    asset_registry, scripted_server, waits
):
    scripted_server.script("/a", (503, {}, b""), (429, {}, b""), (200, {}, b"aaa"))
    asset_registry["a"] = _asset("a", b"aaa", scripted_server.url + "/a")
    assets.fetch("a", progress=False)
    assert waits[0] == 4 * assets._BACKOFF and waits[-1] == 8 * assets._BACKOFF  # doubling, from 4× a drop's first wait


def test_a_long_rate_limit_gives_up_with_what_to_do(asset_registry, scripted_server, waits, monkeypatch):
    monkeypatch.setattr(assets, "_RATE_LIMIT_BUDGET", 100.0)
    scripted_server.script("/a", (429, {"Retry-After": "86400"}, b""))
    asset_registry["a"] = _asset("a", b"aaa", scripted_server.url + "/a")
    with pytest.raises(AssetError) as info:
        assets.fetch("a", progress=False)
    message = str(info.value)
    assert "limiting downloads" in message and "HTTP 429" in message
    assert assets.PREFETCH_COMMAND in message and assets.MIRROR_ENV in message
    assert waits and max(waits) == assets._RATE_LIMIT_WAIT  # a day's Retry-After is capped
    assert sum(waits) <= 100.0


def test_after_giving_up_on_a_rate_limit_other_files_fail_fast_then_try_again(
    asset_registry, scripted_server, waits, monkeypatch
):
    monkeypatch.setattr(assets, "_RATE_LIMIT_BUDGET", 100.0)
    for path in ("/a", "/b"):
        scripted_server.script(path, (429, {"Retry-After": "60"}, b""), (200, {}, b"xyz"))
    scripted_server.script("/a", (429, {"Retry-After": "60"}, b""))
    asset_registry["a"] = _asset("a", b"xyz", scripted_server.url + "/a")
    asset_registry["b"] = _asset("b", b"xyz", scripted_server.url + "/b")
    with pytest.raises(AssetError, match="limiting downloads"):
        assets.fetch("a", progress=False)
    with pytest.raises(AssetError, match="limiting downloads"):
        assets.fetch("b", progress=False)
    assert "/b" not in scripted_server.hits  # not even asked
    waits.clear()
    assets._sleep(assets._RATE_LIMIT_WAIT)  # a minute later
    assert assets.fetch("b", progress=False).read_bytes() == b"xyz"


def test_verify_puts_a_good_session_copy_back_into_a_writable_cache(asset_registry, tmp_path):
    asset_registry["a"] = _asset("a", b"aaa")  # its URL is a closed port: no download possible
    (tmp_path / "session").mkdir()
    (tmp_path / "session/a").write_bytes(b"aaa")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache/a").write_bytes(b"zzz")
    report = assets.verify(progress=False)
    assert report["repaired"] == ["a"] and (tmp_path / "cache/a").read_bytes() == b"aaa"


# ============================================================== argument checks (issue 10)


def _mirrored(asset_registry, tmp_path, monkeypatch, name: str, data: bytes) -> None:
    asset_registry[name] = _asset(name, data)
    (tmp_path / "mirror" / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mirror" / name).write_bytes(data)
    monkeypatch.setenv(assets.MIRROR_ENV, str(tmp_path / "mirror"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfcat\r\ndog\r\nbird\r\n", ["cat", "dog", "bird"]),  # BOM and CRLF
        (b"cat\rdog\rbird", ["cat", "dog", "bird"]),
        (b"background\ncat\n\nbird\n\n", ["background", "cat", "", "bird"]),  # a blank inside stays
        ("cat\u2028x\ndog\n".encode(), ["cat\u2028x", "dog"]),  # only LF, CRLF and CR end a line
    ],
)
def test_read_labels_cleans_like_classify_read_labels(asset_registry, tmp_path, monkeypatch, data, expected):
    from helpers.classify import read_labels

    _mirrored(asset_registry, tmp_path, monkeypatch, "labels/x.txt", data)
    assert assets.read_labels("labels/x.txt") == expected == read_labels(tmp_path / "mirror/labels/x.txt")


def test_read_labels_of_a_file_that_is_not_text(asset_registry, tmp_path, monkeypatch):
    _mirrored(asset_registry, tmp_path, monkeypatch, "images/x.bmp", b"BM\x8a\x00\xff\xfe")
    with pytest.raises(AssetError, match="'images/x.bmp' is not a UTF-8 label file"):
        assets.read_labels("images/x.bmp")


def test_data_file_still_finds_the_registry():
    assert assets.data_file("assets.tsv").name == "assets.tsv" and assets.data_file("assets.tsv").is_file()


def test_fetch_many_takes_a_generator_of_names(asset_registry, tmp_path, monkeypatch):
    _mirrored(asset_registry, tmp_path, monkeypatch, "a.bin", b"aaa")
    assert [p.read_bytes() for p in assets.fetch_many(n for n in ["a.bin"])] == [b"aaa"]


def test_registry_to_a_folder_says_so(tmp_path, capsys):
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text(f"path\tsha256\tbytes\turl\tlicense\nimages/x.jpg\t{'0' * 64}\t5\thttps://e/x\tCC0\n")
    assert assets.main(["registry", str(manifest), "-o", str(tmp_path)]) == 2
    assert f"cannot write {tmp_path}: Is a directory. Choose another file path." in capsys.readouterr().err
