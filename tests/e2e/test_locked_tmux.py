"""The installed command in tmux while another process holds the history's write lock: what is typed
shows at once, and once the lock is let go the prompt and its reply are saved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ScriptedAPI, fixture_reply
from tests.e2e.test_tmux import (
    Terminal,
    app_ready,
    export_last,
    installed_command,
    quit_app,
    reply_done,
    status_line,
    text_of,
)
from tests.locker import WriteLock

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def test_typing_goes_on_while_the_database_is_locked(
    terminal: Terminal, api: ScriptedAPI, app_env, tmp_path: Path
):
    api.then(fixture_reply("docs_basic_text.sse"))
    env = {
        **app_env,
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": api.url,
        "CLAUDE_TEXTUAL_BUSY_TIMEOUT": "300",
    }
    terminal.start([installed_command()], env)
    terminal.wait_for(app_ready, "the app to be up")
    with WriteLock(Path(env["CLAUDE_TEXTUAL_DB"])) as lock:
        terminal.type("first question")
        terminal.press("C-s")
        terminal.wait_for(lambda s: "saving the prompt" in status_line(s), "the prompt waiting for the lock")
        terminal.type(" typed meanwhile")
        terminal.wait_for("first question typed meanwhile", "the keys typed while the lock is held")
        assert api.requests == []
        lock.release()
        terminal.wait_for("Hello!", "the reply")
        screen = terminal.wait_for(reply_done, "the reply to finish")
    assert "reply in 25 out 15" in status_line(screen)
    assert " typed meanwhile" in screen.split("first question")[-1]  # still in the box
    quit_app(terminal)
    user, reply = export_last(env)["messages"]
    assert text_of(user) == "first question"
    assert text_of(reply) == "Hello!" and reply["status"] == "complete"
