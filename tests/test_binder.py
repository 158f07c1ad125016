"""Binder's setup: the idle-kernel culling config that postBuild installs is valid and does what it says."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_postbuild_installs_the_culling_config():
    postbuild = (ROOT / "binder" / "postBuild").read_text()
    assert 'cp binder/jupyter_server_config.py "$HOME/.jupyter/jupyter_server_config.py"' in postbuild


def test_culling_config_is_read_by_jupyter_server():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "binder")).load_config()
    manager = MappingKernelManager(config=config)
    assert manager.cull_idle_timeout == 900  # the README's teacher's guide says 15 minutes
    assert manager.cull_interval == 60
    assert manager.cull_connected is True and manager.cull_busy is False
    assert "15 minutes" in (ROOT / "README.md").read_text()
