"""End to end: ``claude-textual --attach`` on the installed command, in tmux: the files go with the
prompt, show as chips in the transcript, and land in the history; a bad one stops the command, named."""

from __future__ import annotations

import base64
import subprocess

from tests.conftest import ScriptedAPI, fixture_reply
from tests.e2e.test_tmux import (
    SENTINEL_KEY,
    Terminal,
    app_ready,
    export_last,
    installed_command,
    quit_app,
    reply_done,
)
from tests.files import pdf, rotated_jpeg


def test_attach_sends_the_files_with_the_prompt(terminal: Terminal, api: ScriptedAPI, app_env, tmp_path):
    photo = rotated_jpeg(tmp_path / "photo.jpg", 2000, 1000)
    paper = pdf(tmp_path / "paper.pdf", pages=2)
    api.then(fixture_reply("docs_basic_text.sse"))
    env = {**app_env, "ANTHROPIC_API_KEY": SENTINEL_KEY, "ANTHROPIC_BASE_URL": api.url}
    argv = [
        installed_command(),
        "--attach",
        str(photo),
        "--attach",
        str(paper),
        "--prompt",
        "What are these?",
    ]
    terminal.start(argv, env)
    terminal.wait_for(app_ready, "the app to be up")
    screen = terminal.wait_for(reply_done, "the reply to finish")
    terminal.wait_for("Hello!", "the reply")
    assert "📎 photo.jpg · image · " in screen and "784×1568" in screen
    assert "📎 paper.pdf · pdf · " in screen and "2 pages" in screen
    quit_app(terminal)

    [request] = [r for r in api.requests if r.path.endswith("/v1/messages")]
    content = request.body["messages"][0]["content"]
    assert [(b["type"], b["source"]["media_type"]) for b in content[:2]] == [
        ("image", "image/jpeg"),
        ("document", "application/pdf"),
    ]
    assert base64.b64decode(content[1]["source"]["data"]) == paper.read_bytes()
    assert content[2] == {"type": "text", "text": "What are these?"}
    exported = export_last(env)
    assert [b["type"] for b in exported["messages"][0]["content"]] == ["image", "document", "text"]
    assert len(exported["files"]) == 2


def test_a_bad_attachment_stops_the_command_before_the_ui(terminal: Terminal, app_env, tmp_path):
    (tmp_path / "folder").mkdir()
    for path, reason in [
        (tmp_path / "missing.png", "no such file"),
        (tmp_path / "folder", "is a directory"),
        ("/dev/zero", "a device or socket"),
    ]:
        result = subprocess.run(
            [installed_command(), "--attach", str(path), "--prompt", "hi"],
            capture_output=True,
            text=True,
            env=app_env,
            timeout=60,
        )
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith(f"claude-textual: {path}") and reason in result.stderr
        assert result.stderr.count("\n") == 1  # one line, no traceback
    # and in a terminal: the message is the whole screen, no UI was drawn
    terminal.start([installed_command(), "--attach", str(tmp_path / "missing.png")], app_env)
    assert terminal.wait_exit() == 2
