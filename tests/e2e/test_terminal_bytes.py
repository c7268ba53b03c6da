"""Untrusted model output in a real terminal: every byte the installed command writes to its pty is
read, and none of the model's escape sequences, C1 controls or bidi overrides get through; their
visible stand-ins (␛, \\x9b, \\u202e) do. The app streams a hostile reply from the loopback API; then
``claude-textual export`` prints it as Markdown, JSON and HTML to a pty."""

from __future__ import annotations

import json
import re
import time
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
    "OSC 52 clipboard write": b"\x1b]52;c;",
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
    (tmp_path / "config.toml").write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
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


def hostile_export() -> dict:
    """Our JSON export with a hostile string in every field the app draws outside the transcript."""
    when = "2026-11-20T10:00:00Z"
    return {
        "id": "e" * 32,
        "title": f"TITLEMARK {HOSTILE}",
        "model": f"claude-{HOSTILE}",
        "system": f"system {HOSTILE}",
        "created_at": when,
        "updated_at": when,
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": f"PROMPTMARK {HOSTILE}"}],
                "created_at": when,
            },
            {
                "role": "assistant",
                "model": f"model-{HOSTILE}",
                "stop_reason": f"stop {HOSTILE}",
                "content": [{"type": "text", "text": f"REPLYMARK {HOSTILE}"}],
                "created_at": when,
                "usage": {
                    "input_tokens": 5,
                    "output_tokens": 5,
                    "model": f"u-{HOSTILE}",
                    "created_at": when,
                },
            },
        ],
    }


def settle(app: PtyRun, seconds: float = 0.6) -> None:
    """Read what the app writes for ``seconds`` (a lone Esc needs a quiet moment to be read as one)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.read(0.05)


def test_imported_strings_reach_the_terminal_inert_in_the_list_dialogs_and_usage_screen(tmp_path, env):
    """An imported conversation carries escape sequences in its title, models, stop reason and prompt.
    The list row, the header, the reply's footer, the rename dialog (pre-filled with the title) and the
    usage screen (model names in a table and a chart) all draw them: none reaches the pty raw."""
    exported = tmp_path / "hostile.json"
    exported.write_text(json.dumps(hostile_export()))
    code, out = run_to_end([installed_command(), "import", str(exported)], env)
    assert code == 0 and b"1 imported" in out, out
    app = PtyRun([installed_command(), "--resume", "last"], env)
    try:
        app.wait_for(
            lambda out: b"REPLYMARK" in visible(out) and b"TITLEMARK" in visible(out), "the conversation"
        )
        for _ in range(2):  # Shift+Tab twice: from the prompt to the transcript, to the list
            app.send(b"\x1b[Z")
            settle(app)
        app.send(b"r")  # rename: the dialog's input is pre-filled with the title
        app.wait_for(lambda out: b"Enter to accept" in visible(out), "the rename dialog")
        settle(app)
        app.send(b"\x1b")
        settle(app)
        app.send(b"\x14")  # Ctrl+T: the usage screen, with the usage record's model name
        app.wait_for(lambda out: b"By model" in visible(out), "the usage screen")
        app.send(b"3")  # all time: the record of 2026-11-20
        app.wait_for(
            lambda out: visible(out).count(b"u-\xe2\x90\x9b") >= 2, "the model in the table and chart"
        )
        settle(app)
        app.send(b"\x1b")
        settle(app)
        app.send(b"\x11")  # Ctrl+Q
        status = app.finish()
    finally:
        app.close()
    assert status == 0
    assert_inert(app.output, "the app")
    assert "␛".encode() in app.output
