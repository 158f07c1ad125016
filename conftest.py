"""pytest configuration shared by the unit tests and the nbval notebook checks.

* Notebook outputs on stderr (TensorFlow/absl/XNNPACK log lines, which differ
  between nbval and nbconvert) are not compared.
* Without a mirror (CLASSROOM_ASSET_MIRROR) or internet, notebook tests are
  skipped with the reason and the fix; with CLASSROOM_REQUIRE_ASSETS=1 (CI) that
  skip becomes a failure, and any skipped notebook cell fails the run.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REQUIRE_ENV = "CLASSROOM_REQUIRE_ASSETS"
_skipped_notebook_cells: list[str] = []


def _is_notebook_item(item: pytest.Item) -> bool:
    return str(getattr(item, "path", "")).endswith(".ipynb")


def _needs_assets(item: pytest.Item) -> bool:
    return _is_notebook_item(item) or item.get_closest_marker("assets") is not None


def pytest_configure(config):
    config.addinivalue_line("markers", "assets: the test needs the real assets (mirror or internet)")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb") and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "stderr")


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
    from helpers.assets import availability

    reason = availability()
    if reason is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        raise pytest.UsageError(f"{REQUIRE_ENV}=1 but the notebooks cannot get their assets: {reason}.")
    marker = pytest.mark.skip(reason=f"needs the real assets: {reason}")
    for item in notebook_items:
        item.add_marker(marker)


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
