"""A real SIGBUS: another program truncates the history's ``-shm`` file while the installed app runs
(SQLite maps it into memory), and the next write kills the app. The crash guard (``guard.py``) then
puts the terminal back — off the alternate screen, mouse reporting off, the cursor shown — and says
what happened; what was typed comes back as the prompt's draft when the app starts again."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.e2e.test_tmux import Terminal, app_ready, installed_command, pytestmark  # noqa: F401


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def pane_flags(terminal: Terminal) -> str:
    return terminal.tmux(
        "display-message", "-p", "-t", terminal.target, "#{alternate_on} #{mouse_any_flag}"
    ).strip()


def draft(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def test_a_truncated_shm_file_kills_the_app_and_the_terminal_is_put_back(terminal, app_env, tmp_path):
    db = Path(app_env["CLAUDE_TEXTUAL_DB"])
    drafts = db.parent / "drafts.json"
    raw = tmp_path / "raw.bytes"
    terminal.start([installed_command(), "--demo"], app_env)
    terminal.tmux("pipe-pane", "-o", "-t", terminal.target, f"cat >> {raw}")
    terminal.wait_for(app_ready, "the app to be up")
    assert pane_flags(terminal) == "1 1", "the app is on the alternate screen, with the mouse on"
    terminal.type("hello there")
    terminal.wait_for("hello there", "the typed prompt")
    wait_until(lambda: draft(drafts) == {"": "hello there"}, "the draft kept")

    os.truncate(f"{db}-shm", 0)  # what a sync tool or a copy over the files can do
    terminal.press("C-s")  # saving the prompt touches the mapped file
    status = terminal.wait_exit()
    # SIGBUS touching the cut pages; on a busy machine SQLite may have remapped the file first: SIGSEGV
    fault = signal.Signals(status - 128)
    assert fault in (signal.SIGBUS, signal.SIGSEGV), status
    screen = terminal.tmux("capture-pane", "-p", "-J", "-t", terminal.target)
    assert f"claude-textual stopped unexpectedly: it was killed by {fault.name}." in screen
    assert f"{db}-shm had been cut short" in screen and "claude-textual --resume last" in screen
    assert "Ask Claude" not in screen, "the app's screen is gone"
    assert pane_flags(terminal).startswith("0 0"), "off the alternate screen, no mouse reporting"
    written = raw.read_bytes()
    for off, on in ((b"\x1b[?25l", b"\x1b[?25h"), (b"\x1b[?7l", b"\x1b[?7h")):  # cursor, line wrap
        assert written.rfind(on) > written.rfind(off) >= 0, (off, on)
    crash_log = Path(app_env["HOME"]) / ".cache" / "claude-textual" / "crash.log"
    assert ("Bus error" if fault is signal.SIGBUS else "Segmentation fault") in crash_log.read_text()

    (tmp_path / "again").mkdir()
    again = Terminal(tmp_path / "again")
    try:
        again.start([installed_command(), "--demo"], app_env)
        again.wait_for(
            lambda s: "│ hello there" in s and "conversation in 0" in s, "the app up, the draft in the box"
        )
    finally:
        again.kill()


def test_a_memory_fault_blames_the_shm_file_only_when_it_was_cut(tmp_path):
    from claude_textual.guard import crash_report

    db = tmp_path / "history.db"
    log = tmp_path / "crash.log"
    assert "This is a bug" in crash_report(signal.SIGSEGV, db, log)  # no -shm: a bug
    (tmp_path / "history.db-shm").write_bytes(b"\0" * 32_768)
    assert "This is a bug" in crash_report(signal.SIGSEGV, db, log)  # a whole region: a bug
    (tmp_path / "history.db-shm").write_bytes(b"")
    for fault in (signal.SIGBUS, signal.SIGSEGV):
        report = crash_report(fault, db, log)
        assert f"{db}-shm had been cut short" in report and "This is a bug" not in report
