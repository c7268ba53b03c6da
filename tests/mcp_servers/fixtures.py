"""Config for the test servers, and a check that their processes are gone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from claude_textual.config import McpServer

ROOT = Path(__file__).resolve().parents[2]


def server(name: str, module: str, pid_dir: Path, **options: object) -> McpServer:
    """``python -m tests.mcp_servers.MODULE`` as server ``name``, recording its pid in ``pid_dir``."""
    env = (("PYTHONPATH", str(ROOT)), ("MCP_TEST_PID_DIR", str(pid_dir)))
    options = {"start_timeout": 30.0, **options}
    return McpServer(name, sys.executable, ("-m", f"tests.mcp_servers.{module}"), env, **options)  # type: ignore[arg-type]


def started(pid_dir: Path) -> list[int]:
    return [int(p.read_text()) for p in pid_dir.iterdir()]


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
