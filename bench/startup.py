"""Start-up time of the installed ``claude-textual``: exec -> first frame, in a real pseudo-terminal.

    python bench/startup.py [--runs 5] [--json] [--db PATH] [--command PATH]

Each run starts a timer, forks a 120x40 pty (TERM=xterm-256color), execs the console script with a
dummy ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL pointing at a closed port, and reads the terminal
until the first frame arrives: the header title ``claude-textual`` drawn after the switch to the
alternate screen (``ESC[?1049h``). Then it sends Ctrl+Q, drains the output and reaps the child with
``os.wait4``, whose rusage gives that run's peak RSS.

One extra run comes first, untimed: it warms the disk cache and creates the database, and it is the
probe for "the SDK is not imported before the first frame". The probe runs the same console script
(``runpy.run_path`` under the script's own interpreter) with an audit hook (``sys.addaudithook``)
that, when the first ``import anthropic...`` begins in any thread, writes a private APC marker
(``ESC _ ... ESC \\``) straight to the terminal's file descriptor. The app's frames go to the same
terminal, so the order of the two in the byte stream read from the pty is the order in which they
happened: no clocks compared across processes, no race with the reader, and no change to how the
app itself starts. Textual writes frames from a writer thread, so the hook first sleeps 5 ms: a frame
already handed to that thread is not beaten by the marker, while an import on the start-up path,
which delays the first frame by far more than that, is still caught. (``PYTHONPROFILEIMPORTTIME``
would print a line per import to the same terminal, and only once each import *ends*, slowing and
garbling the very frame being measured.)

Exit status: 0, or 1 if the SDK was imported before the first frame, or 2 if the app did not start.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import statistics
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

COLUMNS, LINES = 120, 40
ALT_SCREEN = b"\x1b[?1049h"
TITLE = b"claude-textual"
MARKER = b"\x1b_claude-textual-bench:anthropic-import\x1b\\"
# OSC strings (window title, pointer shape, ...) are not part of a frame.
OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
START_TIMEOUT = 30.0
EXIT_TIMEOUT = 15.0
PROBE_WAIT = 10.0

PROBE = f"""
import os, runpy, sys, time
_seen = []
def _hook(event, args):
    if event == "import" and not _seen and str(args[0]).split(".")[0] == "anthropic":
        _seen.append(True)
        time.sleep(0.005)  # grace for a frame already queued to Textual's writer thread
        os.write(2, {MARKER!r})
sys.addaudithook(_hook)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


class StartError(RuntimeError):
    pass


@dataclass
class Run:
    first_frame: float  # seconds from fork+exec to the first frame read from the pty
    max_rss_kib: int
    exit_status: int
    marker_before_frame: bool | None = None  # probe runs only; None: no SDK import seen
    marker_after_frame: float | None = None  # seconds from the first frame to the marker


def installed_command() -> str:
    beside = Path(sys.executable).parent / "claude-textual"
    if beside.exists():
        return str(beside)
    found = shutil.which("claude-textual")
    if not found:
        raise SystemExit("claude-textual is not installed (pip install -e .)")
    return found


def interpreter_of(script: str) -> str:
    """The interpreter named on the console script's #! line."""
    with open(script, "rb") as f:
        first = f.readline().decode().strip()
    if not first.startswith("#!"):
        return sys.executable
    return first[2:].split()[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame_at(buffer: bytes) -> int | None:
    """The offset just past the first frame's title, or None while it has not arrived."""
    start = buffer.find(ALT_SCREEN)
    if start < 0:
        return None
    found = re.search(re.escape(TITLE), OSC.sub(lambda m: b"\0" * len(m.group()), buffer[start:]))
    return None if found is None else start + found.end()


def spawn_in_pty(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    """Start ``argv`` in a new LINES x COLUMNS pseudo-terminal: its pid and the terminal's fd."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal before anything reads it, then become the app
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid, fd


def one_run(argv: list[str], env: dict[str, str], probe: bool = False) -> Run:
    started = time.perf_counter()
    pid, fd = spawn_in_pty(argv, env)
    buffer = b""
    first_frame: float | None = None
    frame_end = 0
    marker_seen: float | None = None
    eof = False

    def read(timeout: float) -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            eof = True
            return False
        buffer += data
        return True

    try:
        deadline = started + START_TIMEOUT
        while first_frame is None and not eof and time.perf_counter() < deadline:
            if read(0.05):
                end = frame_at(buffer)
                if end is not None:
                    first_frame, frame_end = time.perf_counter() - started, end
        if first_frame is None:
            tail = OSC.sub(b"", buffer[-400:]).decode(errors="replace")
            raise StartError(f"no first frame within {START_TIMEOUT:.0f} s; the terminal ended: {tail!r}")
        if probe:
            wait_until = time.perf_counter() + PROBE_WAIT
            while MARKER not in buffer and not eof and time.perf_counter() < wait_until:
                read(0.05)
            if MARKER in buffer:
                marker_seen = time.perf_counter() - started - first_frame
        os.write(fd, b"\x11")  # Ctrl+Q
        deadline = time.perf_counter() + EXIT_TIMEOUT
        while not eof and time.perf_counter() < deadline:
            read(0.1)  # keep draining, or the app could block writing its last frames
    finally:
        status, rusage = _reap(pid)
        os.close(fd)
    run = Run(first_frame, rusage.ru_maxrss, status)
    if probe:
        at = buffer.find(MARKER)
        run.marker_before_frame = None if at < 0 else at < frame_end
        run.marker_after_frame = marker_seen
    return run


def _reap(pid: int) -> tuple[int, object]:
    """Wait for the child (killing it if it does not quit); its exit status and rusage."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            os.kill(pid, sig)
        deadline = time.perf_counter() + (EXIT_TIMEOUT if sig is None else 5)
        while time.perf_counter() < deadline:
            done, status, rusage = os.wait4(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), rusage
            time.sleep(0.02)
    _, status, rusage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), rusage


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_TEXTUAL_", "TMUX"))}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        ANTHROPIC_API_KEY="sk-bench-dummy",
        ANTHROPIC_BASE_URL=f"http://127.0.0.1:{closed_port()}",
        HOME=str(tmp / "home"),
    )
    env.setdefault("LANG", "C.UTF-8")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--db", type=Path, help="history database to open (default: a new one)")
    parser.add_argument("--command", default=None, help="the console script (default: the installed one)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    command = args.command or installed_command()

    with tempfile.TemporaryDirectory(prefix="ct-bench-") as name:
        tmp = Path(name)
        (tmp / "home").mkdir()
        config = tmp / "config.toml"
        config.write_text('max_retries = 0\ntitle_model = ""\n')
        db = args.db or tmp / "history.db"
        env = environment(tmp)
        app_args = ["--db", str(db), "--config", str(config)]
        try:
            probe = one_run([interpreter_of(command), "-c", PROBE, command, *app_args], env, probe=True)
            runs = [one_run([command, *app_args], env) for _ in range(args.runs)]
        except StartError as exc:
            print(f"startup: {exc}", file=sys.stderr)
            return 2
    failed = [r.exit_status for r in [probe, *runs] if r.exit_status != 0]
    times = [r.first_frame for r in runs]
    result = {
        "command": command,
        "terminal": f"{COLUMNS}x{LINES}",
        "runs": len(runs),
        "first_frame_s": [round(t, 4) for t in times],
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "peak_rss_mib": round(max(r.max_rss_kib for r in runs) / 1024, 1),
        "sdk_imported_before_first_frame": probe.marker_before_frame,
        "sdk_import_after_first_frame_s": None
        if probe.marker_after_frame is None
        else round(probe.marker_after_frame, 4),
        "exit_statuses_not_zero": failed,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"claude-textual start-up: exec -> first frame in a {COLUMNS}x{LINES} pty ({command})")
        print(f"{'runs':<10}{len(runs):>10}")
        for label in ("median", "min", "max"):
            print(f"{label:<10}{result[f'{label}_s']:>10.3f} s")
        print(f"{'peak RSS':<10}{result['peak_rss_mib']:>10.1f} MiB (largest of the runs)")
        if probe.marker_before_frame is None:
            verdict = f"no (not imported within {PROBE_WAIT:.0f} s of the first frame)"
        elif probe.marker_before_frame:
            verdict = "YES: the SDK import began before the first frame reached the terminal"
        else:
            verdict = f"no (its import began {probe.marker_after_frame:.3f} s after the first frame)"
        print(f"anthropic imported before the first frame: {verdict}")
        if failed:
            print(f"warning: exit statuses other than 0: {failed}")
    if failed:
        return 2
    return 1 if probe.marker_before_frame else 0


if __name__ == "__main__":
    raise SystemExit(main())
