"""Crash safety: the installed app is killed with SIGKILL mid-reply; nothing that was checkpointed is lost.

The app streams a slow reply (40 deltas, 0.1 s apart) from the loopback API in tmux; after more than
two seconds of it the app process gets ``kill -9``. The database must then hold the prompt and a prefix
of what was served (at least the first second's worth); once the reply has been idle longer than the
stale threshold (shortened with CLAUDE_TEXTUAL_STALE_SECONDS) ``export`` shows it interrupted, and
reopening with ``--resume last`` shows it interrupted, and Ctrl+R retries it.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_textual.core.model import Status
from claude_textual.store.history import History
from tests.conftest import ScriptedAPI, fixture_reply
from tests.e2e._slow import Served, slow_text_reply, words
from tests.e2e.test_tmux import (
    DEADLINE,
    Terminal,
    app_ready,
    base_env,
    export_last,
    installed_command,
    quit_app,
    reply_done,
    text_of,
)
from tests.ui.uihelpers import fixture_blocks

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

STALE = 2.0
PROMPT = "Count slowly"


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    try:
        yield made
    finally:
        for term in made:
            term.kill()


def new_terminal(terminals: list[Terminal], tmp_path: Path, name: str) -> Terminal:
    where = tmp_path / name
    where.mkdir()
    term = Terminal(where)
    terminals.append(term)
    return term


def app_pid(terminal: Terminal) -> int:
    """The app's process: the child of the shell that tmux started in the pane."""
    shell = int(terminal.tmux("display-message", "-p", "-t", terminal.target, "#{pane_pid}").strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the app process was not found")


def wait_until(condition, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_kill_9_mid_reply_keeps_the_checkpointed_text_and_ctrl_r_retries(
    terminals: list[Terminal], api: ScriptedAPI, tmp_path: Path
):
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
    env = {
        **base_env(tmp_path),
        "ANTHROPIC_API_KEY": "sk-test-crash",
        "ANTHROPIC_BASE_URL": api.url,
        "CLAUDE_TEXTUAL_STALE_SECONDS": str(STALE),
    }
    served = Served()
    parts = words("w", 40)
    api.then(slow_text_reply(parts, served), fixture_reply("docs_basic_text.sse"))

    first = new_terminal(terminals, tmp_path, "first")
    first.start([installed_command()], env)
    first.wait_for(app_ready, "the app to be up")
    first.type(PROMPT)
    first.wait_for(PROMPT, "the typed prompt")
    first.press("C-s")
    wait_until(lambda: served.count >= 2, "the reply to start")
    wait_until(lambda: served.span() >= 2.2, "more than 2 s of deltas")
    pid = app_pid(first)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    sent = served.text()
    assert first.wait_exit() == 128 + signal.SIGKILL
    assert served.count < len(parts), "the reply was still streaming when the app was killed"

    # What a crash leaves: the prompt, and the reply up to its last checkpoint (at most ~1 s old)
    history = History(Path(env["CLAUDE_TEXTUAL_DB"]))
    try:
        [conversation] = history.list_conversations()
        user, reply = history.load_messages(conversation.id)
    finally:
        history.close()
    assert user.role == "user" and user.text() == PROMPT
    assert reply.role == "assistant" and reply.status is Status.STREAMING, "no process has marked it yet"
    partial = reply.text()
    first_second = "".join(parts[:10])
    assert sent.startswith(partial), (partial, sent)
    assert partial.startswith(first_second), f"less than a second's worth kept: {partial!r}"

    # Past the threshold, export says what happened, without the app
    time.sleep(max(0.0, STALE + 0.5 - (time.monotonic() - killed_at)))
    exported = export_last(env)
    stored = exported["messages"][1]
    assert stored["status"] == "interrupted" and text_of(stored) == partial
    assert "checkpoint" in stored["error"]

    # Reopened: the partial reply is there, marked interrupted; Ctrl+R retries it
    second = new_terminal(terminals, tmp_path, "second")
    second.start([installed_command(), "--resume", "last"], env)
    screen = second.wait_for(lambda s: app_ready(s) and partial.split()[-1] in s, "the partial reply")
    assert "interrupted" in screen and "Ctrl+R retries" in screen
    second.press("C-r")
    answer = fixture_blocks("docs_basic_text.sse")[0]["text"]
    second.wait_for(lambda s: answer[:20] in s and reply_done(s), "the retried reply")
    screen = second.screen()
    assert "‹ 2/2 ›" in screen, "the retry is a second branch beside the partial reply"
    quit_app(second)

    assert len(api.requests) == 2
    retry_request = api.requests[1].body["messages"]
    assert retry_request == [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}]
    shown = export_last(env)["messages"]
    assert [(m["role"], m["status"]) for m in shown] == [("user", "complete"), ("assistant", "complete")]
    messages = export_last(env, "--all-branches")["messages"]
    assert [(m["role"], m["status"]) for m in messages] == [
        ("user", "complete"),
        ("assistant", "interrupted"),
        ("assistant", "complete"),
    ]
    assert messages[1]["parent_id"] == messages[2]["parent_id"] == messages[0]["id"]
    assert text_of(messages[1]) == partial and text_of(messages[2]) == answer
