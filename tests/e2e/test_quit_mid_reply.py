"""End to end: Ctrl+Q the moment a reply's last words are on screen (before its final save) keeps the
whole reply in the history, marked interrupted or complete, never left 'streaming' and short."""

from __future__ import annotations

import json

from tests.conftest import ScriptedAPI
from tests.e2e.test_terminal_bytes import (
    END,
    PtyRun,
    clean_env,
    hostile_reply,
    installed_command,
    run_to_end,
    visible,
)


def test_quitting_as_the_reply_ends_keeps_all_of_it(api: ScriptedAPI, tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
    env = clean_env(
        tmp_path,
        ANTHROPIC_API_KEY="sk-test",
        ANTHROPIC_BASE_URL=api.url,
        CLAUDE_TEXTUAL_DB=str(tmp_path / "data" / "history.db"),
        CLAUDE_TEXTUAL_CONFIG=str(tmp_path / "config.toml"),
    )
    api.then(hostile_reply())
    app = PtyRun([installed_command(), "--prompt", "hello"], env)
    try:
        app.wait_for(lambda out: END.encode() in visible(out), "the reply's last words on screen")
        app.send(b"\x11")  # Ctrl+Q at once
        status = app.finish()
    finally:
        app.close()
    assert status == 0
    code, out = run_to_end([installed_command(), "export", "--last", "--format", "json"], env)
    assert code == 0
    reply = json.loads(out.decode().replace("\r\n", "\n"))["messages"][1]
    assert reply["status"] in ("complete", "interrupted")
    assert END in "".join(b.get("text", "") for b in reply["content"])
