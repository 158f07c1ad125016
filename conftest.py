"""pytest configuration shared by the unit tests and the nbval notebook checks.

* Notebook outputs on stderr are not compared, but under strict nbval a cell
  that writes anything to stderr fails: learners must never meet a pink block.
* Without a mirror (CLASSROOM_ASSET_MIRROR) or internet, notebook tests are
  skipped with the reason and the fix; with CLASSROOM_REQUIRE_ASSETS=1 (CI) that
  skip becomes a failure, and any skipped notebook cell fails the run.
"""

from __future__ import annotations

import os

import pytest

# TF_CPP_MIN_LOG_LEVEL is not set here: the kernels nbval starts must see what a learner sees.
REQUIRE_ENV = "CLASSROOM_REQUIRE_ASSETS"
_skipped_notebook_cells: list[str] = []


def _is_notebook_item(item: pytest.Item) -> bool:
    return str(getattr(item, "path", "")).endswith(".ipynb")


def _needs_assets(item: pytest.Item) -> bool:
    return _is_notebook_item(item) or item.get_closest_marker("assets") is not None


def _kernels_see_what_learners_see() -> None:
    """Start nbval's kernels without PYTEST_CURRENT_TEST: with it, ipykernel stops forwarding what C++ libraries
    write to file descriptor 2 (TensorFlow's start-up lines), so a test would miss the pink blocks learners see."""
    try:
        import nbval.kernel
    except ImportError:
        return
    original = nbval.kernel.start_new_kernel
    if getattr(original, "_classroom", False):
        return

    def start_new_kernel(*args, **kwargs):
        env = dict(os.environ)
        env.pop("PYTEST_CURRENT_TEST", None)
        kwargs.setdefault("env", env)
        return original(*args, **kwargs)

    start_new_kernel._classroom = True
    nbval.kernel.start_new_kernel = start_new_kernel


def pytest_configure(config):
    _kernels_see_what_learners_see()
    config.addinivalue_line("markers", "assets: the test needs the real assets (mirror or internet)")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb") and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


def _assets_unavailable() -> str | None:
    """None if the real assets can be had here (a mirror, a full cache or the internet), else why not."""
    from helpers import assets

    mirror = os.environ.get(assets.MIRROR_ENV)
    if mirror and os.path.exists(os.path.join(mirror, "MANIFEST.tsv")):
        return None
    if all((assets.cache_dir() / a.name).exists() for a in assets.registry().values()):
        return None
    if os.environ.get(assets.OFFLINE_ENV) != "1":
        import requests

        try:
            requests.head("https://github.com", timeout=3)
            return None
        except requests.RequestException:
            pass
    return (
        f"no asset mirror ({assets.MIRROR_ENV} unset or without MANIFEST.tsv) and no internet; set "
        f"{assets.MIRROR_ENV}=path/to/assets or run `{assets.PREFETCH_COMMAND}` where there is internet"
    )


def pytest_collection_modifyitems(config, items):
    # nbval waits 5 s for a finished cell's output messages; a busy machine delays them (seen in CI's Colab job),
    # an emulated one far more (60 s was too short under qemu for ARM): CLASSROOM_OUTPUT_TIMEOUT overrides.
    # Cells' own limit is --nbval-cell-timeout.
    output_timeout = int(os.environ.get("CLASSROOM_OUTPUT_TIMEOUT", "60"))
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = output_timeout
    notebook_items = [item for item in items if _needs_assets(item)]
    if not notebook_items:
        return
    reason = _assets_unavailable()
    if reason is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        raise pytest.UsageError(f"{REQUIRE_ENV}=1 but the notebooks cannot get their assets: {reason}.")
    marker = pytest.mark.skip(reason=f"needs the real assets: {reason}")
    for item in notebook_items:
        item.add_marker(marker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Strict nbval runs fail a notebook cell that wrote to stderr: a learner would see it as a pink block."""
    result = yield
    if _is_notebook_item(item) and item.config.getoption("nbval", default=False):
        errors = [
            out.get("text", "")
            for out in getattr(item, "test_outputs", None) or []
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and out.get("text", "").strip()
        ]
        if errors:
            pytest.fail(
                "this cell wrote to stderr, which a learner sees as a pink block; silence it where it starts:\n"
                + "".join(errors)[:2000],
                pytrace=False,
            )
    return result


def pytest_runtest_logreport(report):
    if report.skipped and (report.nodeid.split("::")[0].endswith(".ipynb") or "assets" in report.keywords):
        _skipped_notebook_cells.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get(REQUIRE_ENV) == "1" and _skipped_notebook_cells:
        print(
            f"\n{REQUIRE_ENV}=1: {len(_skipped_notebook_cells)} notebook cells were skipped, e.g. "
            f"{_skipped_notebook_cells[0]}; CI must run every notebook."
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
