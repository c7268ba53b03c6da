"""Another process holding a SQLite database's write lock (``BEGIN IMMEDIATE``) until it is told to let go."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import TracebackType

_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
print("released", flush=True)
"""


class WriteLock:
    """``with WriteLock(path):`` another process holds the write lock for the block (or until ``release``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> WriteLock:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.strip() == "held", f"the lock holder said {line!r}"
        return self

    def release(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "released"
        process.wait(timeout=30)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()
