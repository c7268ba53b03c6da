"""``--no-mouse`` leaves the mouse to the terminal: the installed command, in a pty, writes no
mouse-tracking sequence with it, and does without it (so the terminal's own selection works)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e._pty import PtyRun, clean_env, installed_command, visible

pytestmark = pytest.mark.e2e

TRACKING = (b"\x1b[?1000h", b"\x1b[?1002h", b"\x1b[?1003h", b"\x1b[?1006h")


def started_output(tmp_path: Path, *flags: str) -> bytes:
    env = clean_env(
        tmp_path,
        CLAUDE_TEXTUAL_DB=str(tmp_path / "data" / "history.db"),
        CLAUDE_TEXTUAL_CONFIG=str(tmp_path / "config.toml"),
    )
    app = PtyRun([installed_command(), "--demo", *flags], env)
    try:
        app.wait_for(lambda out: b"Ask Claude" in visible(out), "the prompt box")
        app.send(b"\x11")  # Ctrl+Q
        assert app.finish() == 0
    finally:
        app.close()
    return app.output


@pytest.mark.parametrize(
    ("flags", "tracked"), [((), True), (("--no-mouse",), False)], ids=["default", "no-mouse"]
)
def test_mouse_tracking_only_without_no_mouse(tmp_path, flags, tracked):
    out = started_output(tmp_path, *flags)
    assert any(seq in out for seq in TRACKING) is tracked
