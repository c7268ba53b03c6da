"""The installed ``claude-textual`` in a real pseudo-terminal, every byte it writes kept (as in
bench/startup.py: pty.fork, TIOCSWINSZ before exec, TERM=xterm-256color)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

COLUMNS, LINES = 120, 40
CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def installed_command() -> str:
    beside = Path(sys.executable).parent / "claude-textual"
    if beside.exists():
        return str(beside)
    found = shutil.which("claude-textual")
    assert found, "claude-textual is not installed: run `pip install -e .[dev]` first"
    return found


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """No ANTHROPIC_* or CLAUDE_TEXTUAL_* from the caller; home, data, config and cache in ``tmp``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "home"),
        "XDG_DATA_HOME": str(tmp / "xdg-data"),
        "XDG_CONFIG_HOME": str(tmp / "xdg-config"),
        "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
        "XDG_STATE_HOME": str(tmp / "xdg-state"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(LINES),
    }
    env.update(extra)
    return env


def visible(data: bytes) -> bytes:
    """The bytes with control sequences removed: text drawn in one go reads contiguously."""
    return CSI.sub(b"", OSC.sub(b"", data))


class PtyRun:
    """One process in a pty of COLUMNS x LINES; ``output`` is every byte it has written so far."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.output = b""
        self.eof = False
        self.status: int | None = None
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before anything reads it, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd

    def read(self, timeout: float) -> bool:
        if self.eof:
            return False
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            self.eof = True
            return False
        self.output += data
        return True

    def wait_for(self, condition: Callable[[bytes], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.output):
            if self.eof or time.monotonic() > deadline:
                tail = visible(self.output[-3000:]).decode(errors="replace")
                raise AssertionError(
                    f"no {what} within {timeout:.0f} s (eof={self.eof}); last output: {tail!r}"
                )
            self.read(0.05)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def finish(self, timeout: float = 20.0) -> int:
        """Read to the end (the program exits by itself or was told to) and reap it: its exit status."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.read(0.1)
        return self.reap()

    def reap(self) -> int:
        if self.status is not None:
            return self.status
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                os.kill(self.pid, sig)
            deadline = time.monotonic() + (10 if sig is None else 5)
            while time.monotonic() < deadline:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.status = os.waitstatus_to_exitcode(status)
                    os.close(self.fd)
                    return self.status
                time.sleep(0.02)
        raise AssertionError("the process did not end")

    def close(self) -> None:
        if self.status is None:
            self.reap()


def run_to_end(argv: list[str], env: dict[str, str], timeout: float = 60.0) -> tuple[int, bytes]:
    """Run a command that ends by itself in a pty; its exit status and every byte it wrote."""
    proc = PtyRun(argv, env)
    try:
        status = proc.finish(timeout)
    finally:
        proc.close()
    return status, proc.output
