"""Each test server writes its process id to ``$MCP_TEST_PID_DIR/<name>.<pid>``, so tests can check it exited."""

from __future__ import annotations

import os
from pathlib import Path


def record(name: str) -> None:
    folder = os.environ.get("MCP_TEST_PID_DIR")
    if folder:
        Path(folder, f"{name}.{os.getpid()}").write_text(str(os.getpid()))
