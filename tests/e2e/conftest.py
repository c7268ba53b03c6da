"""Fixtures of the tmux tests: a private tmux server, and a clean environment for the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import Terminal, base_env


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.kill()


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
    return base_env(tmp_path)
