"""Untrusted model output in a real terminal: every byte the installed command writes to its pty is
read, and none of the model's escape sequences, C1 controls or bidi overrides get through; their
visible stand-ins (␛, \\x9b, \\u202e) do. The app streams a hostile reply from the loopback API; then
``claude-textual export`` prints it as Markdown, JSON and HTML to a pty."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ScriptedAPI
from tests.e2e._pty import PtyRun, clean_env, installed_command, run_to_end, visible
from tests.ui.uihelpers import streamed

pytestmark = pytest.mark.e2e

HOSTILE = (
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write "evil" to the clipboard
    "\x1b[2J"  # clear the screen
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "\x9b31m"  # C1 CSI: red text
    "\u202e"
)  # right-to-left override
END = "ENDOFREPLYMARKER"
FORBIDDEN = {
    "OSC 52 clipboard write": b"\x1b]52;c;ZXZpbA",
    "OSC 8 hyperlink to evil": b"\x1b]8;;http://evil",
    "screen clear from the model": b"\x1b[2J\x1b]8",
    "RIGHT-TO-LEFT OVERRIDE": "\u202e".encode(),
    "C1 CSI (U+009B)": b"\xc2\x9b",
}
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def hostile_reply():
    text = ["Careful: ", HOSTILE, " then split ", HOSTILE[:9], HOSTILE[9:25], HOSTILE[25:], f" {END}"]
    thinking = ["Thinking about ", HOSTILE, " THINKINGDONE"]
    return streamed([("thinking", thinking), ("text", text)], pause=0.01)


def assert_inert(data: bytes, where: str) -> None:
    for name, sequence in FORBIDDEN.items():
        assert sequence not in data, f"{where}: {name} reached the terminal"


@pytest.fixture
def env(tmp_path: Path, api: ScriptedAPI) -> dict[str, str]:
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text("max_retries = 0\ntimeout = 30.0\n")
    return clean_env(
        tmp_path,
        ANTHROPIC_API_KEY="sk-test",
        ANTHROPIC_BASE_URL=api.url,
        CLAUDE_TEXTUAL_DB=str(tmp_path / "data" / "history.db"),
        CLAUDE_TEXTUAL_CONFIG=str(tmp_path / "config.toml"),
    )


def test_hostile_reply_streams_to_a_real_terminal_inert_and_exports_inert(api: ScriptedAPI, env):
    api.then(hostile_reply())
    app = PtyRun([installed_command(), "--prompt", "hello"], env)
    try:
        app.wait_for(lambda out: END.encode() in visible(out), "closing text of the reply on screen")
        app.read(1.0)  # the reply's last frames (footer, status bar)
        app.send(b"\x11")  # Ctrl+Q
        status = app.finish()
    finally:
        app.close()
    raw = app.output
    assert status == 0, visible(raw[-2000:]).decode(errors="replace")
    assert len(api.requests) == 1
    assert_inert(raw, "the app")
    assert "␛".encode() in raw, "the visible stand-in for ESC is not on screen"
    assert b"\\x9b" in raw and b"\\u202e" in raw
    assert b"Careful:" in visible(raw)

    command = installed_command()
    for fmt in ("md", "json", "html"):
        code, out = run_to_end([command, "export", "--last", "--format", fmt], env)
        assert code == 0, out.decode(errors="replace")
        where = f"export --format {fmt}"
        assert_inert(out, where)
        assert b"\x1b" not in out, f"{where}: a raw ESC"
        assert b"\x07" not in out, f"{where}: a raw BEL"
        text = out.decode("utf-8")
        assert not re.search("[\x80-\x9f]", text), f"{where}: a raw C1 control"
        assert not any(c in text for c in BIDI), f"{where}: a raw bidi control"
        assert END in text and "THINKINGDONE" in text
        if fmt == "json":  # still the same data once decoded
            exported = json.loads(text.replace("\r\n", "\n"))
            reply = exported["messages"][1]
            assert reply["content"][1]["text"] == f"Careful: {HOSTILE} then split {HOSTILE} {END}"
            assert reply["content"][0]["thinking"] == f"Thinking about {HOSTILE} THINKINGDONE"
