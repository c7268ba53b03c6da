"""End to end: the installed ``claude-textual`` in a real terminal (tmux), typed at key by key.

Each test runs the console script in a detached tmux session of fixed size on a private tmux
server (``tmux -L <unique name> -f <our config>``), so the user's own tmux is never touched. The
server is started with an environment we build from scratch, so no real API key can leak in. The
screen is read with ``capture-pane``; every wait polls with a generous deadline and returns as soon
as its condition holds. What the app stored is then read back with ``claude-textual export``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_textual.core.loopback import Reply, sse
from tests.conftest import ScriptedAPI, fixture_reply

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SENTINEL_KEY = "sk-test-sentinel"
WIDTH, HEIGHT = 120, 40
DEADLINE = 30.0
PROMPT = "How do I cross the street safely?"


def installed_command() -> str:
    """The console script of the environment running the tests (or the one on PATH)."""
    beside = Path(sys.executable).parent / "claude-textual"
    if beside.exists():
        return str(beside)
    found = shutil.which("claude-textual")
    if found is None:
        pytest.fail("claude-textual is not installed: run `pip install -e .[dev]` first")
    return found


def base_env(tmp: Path) -> dict[str, str]:
    """A clean environment: no ANTHROPIC_* from the caller, the history and config in ``tmp``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp / "home"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "CLAUDE_TEXTUAL_DB": str(tmp / "h.db"),
        "CLAUDE_TEXTUAL_CONFIG": str(tmp / "config.toml"),
    }


class Terminal:
    """One app in a detached tmux session on a private tmux server."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"ct-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.conf = tmp / "tmux.conf"
        # remain-on-exit keeps the pane, and what the app last printed, after it exits.
        self.conf.write_text(
            'set -g default-terminal "xterm-256color"\nset -g remain-on-exit on\nset -g status off\n'
        )
        self.target = "app"
        self.status_file = tmp / "exit-status"
        self.socket_path = ""

    def tmux(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            env=env or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            timeout=10,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        # The first command starts the server, which (and so the pane) inherits exactly ``env``.
        # A shell between tmux and the app records the app's exit status: tmux 3.3 sometimes marks
        # the pane dead without reaping the process, leaving #{pane_dead_status} empty.
        wrapper = '"$@"; echo $? > "$0"'
        self.tmux(
            "new-session",
            "-d",
            "-s",
            self.target,
            "-x",
            str(WIDTH),
            "-y",
            str(HEIGHT),
            *[f"-e{key}={value}" for key, value in env.items()],
            "--",
            "/bin/sh",
            "-c",
            wrapper,
            str(self.status_file),
            *argv,
            env=env,
        )
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.target)

    def wait_for(
        self, condition: Callable[[str], bool] | str, what: str = "", timeout: float = DEADLINE
    ) -> str:
        check = (lambda s: condition in s) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            status = self.exit_status()
            if status is not None:
                raise AssertionError(
                    f"the app exited ({status}) before {what or condition!r}; the screen:\n{screen}"
                )
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what or condition!r}; the screen:\n{screen}")

    def type(self, text: str) -> None:
        for char in text:  # one key at a time, as a person types; a lone ";" would end the tmux command
            self.tmux("send-keys", "-t", self.target, "-l", "\\;" if char == ";" else char)

    def press(self, key: str) -> None:
        self.tmux("send-keys", "-t", self.target, key)

    def exit_status(self) -> int | None:
        try:
            text = self.status_file.read_text()
        except FileNotFoundError:
            return None
        return int(text) if text.strip() else None

    def wait_exit(self, timeout: float = DEADLINE) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                return status
            time.sleep(0.1)
        raise AssertionError(f"the app did not exit; the screen:\n{self.screen()}")

    def kill(self) -> None:
        self.tmux("kill-server", check=False)
        if self.socket_path:  # tmux leaves the socket file behind
            Path(self.socket_path).unlink(missing_ok=True)


def status_line(screen: str) -> str:
    """The status bar's line: it ends with the conversation's figures, whole or short (``total …``)."""
    lines = [line for line in screen.splitlines() if re.search(r"│ (conversation in|total) ", line)]
    return lines[-1] if lines else ""


def app_ready(screen: str) -> bool:
    """The prompt box is drawn and the history is open (the status bar no longer says it is opening)."""
    status = status_line(screen)
    return "Ask Claude" in screen and bool(status) and "opening history" not in status


def reply_done(screen: str) -> bool:
    status = status_line(screen)
    return bool(status) and "streaming" not in status and "waiting for Claude" not in status


def export_last(env: dict[str, str], *options: str) -> dict[str, Any]:
    result = subprocess.run(
        [installed_command(), "export", "--last", "--format", "json", *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def block_types(message: dict[str, Any]) -> list[str]:
    return [block["type"] for block in message["content"]]


def text_of(message: dict[str, Any]) -> str:
    return "".join(block.get("text", "") for block in message["content"] if block["type"] == "text")


def quit_app(terminal: Terminal) -> None:
    terminal.press("C-q")
    status = terminal.wait_exit()
    assert status == 0, f"the app exited with {status}; the screen:\n{terminal.screen()}"


def test_prompt_typed_streams_reply_and_saves_it(terminal: Terminal, api: ScriptedAPI, app_env, tmp_path):
    api.then(fixture_reply("real_thinking_text.sse"))
    env = {**app_env, "ANTHROPIC_API_KEY": SENTINEL_KEY, "ANTHROPIC_BASE_URL": api.url}
    terminal.start([installed_command()], env)
    terminal.wait_for(app_ready, "the app to be up")

    terminal.type(PROMPT)
    terminal.wait_for(PROMPT, "the typed prompt")
    terminal.press("C-s")
    terminal.wait_for("Here are the basic steps", "the reply text")
    screen = terminal.wait_for(reply_done, "the reply to finish")
    assert "reply in 43 out 282" in status_line(screen)
    quit_app(terminal)

    assert len(api.requests) == 1
    request = api.requests[0]
    headers = {key.lower(): value for key, value in request.headers.items()}
    # The SDK sends the key as a bearer token (anthropic 2.x); older versions used x-api-key.
    bearer = headers.get("authorization", "").removeprefix("Bearer ")
    assert SENTINEL_KEY in (headers.get("x-api-key"), bearer)
    assert request.body["messages"][-1]["content"][0]["text"] == PROMPT

    exported = export_last(env)
    user, reply = exported["messages"]
    assert text_of(user) == PROMPT
    assert block_types(reply) == ["thinking", "text"]
    assert text_of(reply).startswith("Here are the basic steps for safely crossing the street:")
    assert reply["content"][0]["thinking"].startswith("This is a straightforward question about pedestrian")
    assert reply["status"] == "complete" and reply["stop_reason"] == "end_turn"
    assert (reply["usage"]["input_tokens"], reply["usage"]["output_tokens"]) == (43, 282)
    assert SENTINEL_KEY not in json.dumps(exported)

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "h.db" for p in files)
    leaking = [str(p) for p in files if SENTINEL_KEY.encode() in p.read_bytes()]
    assert leaking == [], f"the API key was written to {leaking}"


def test_offline_demo_shows_thinking_text_and_tool_call(terminal: Terminal, app_env):
    env = dict(app_env)  # no ANTHROPIC_API_KEY at all
    terminal.start([installed_command(), "--demo", "--prompt", "hello"], env)
    terminal.wait_for("DEMO", "the demo banner")
    terminal.wait_for("get_weather", "the tool call panel")
    terminal.wait_for(lambda s: "to see what was saved" in s and reply_done(s), "the demo's second reply")
    quit_app(terminal)

    exported = export_last(env)
    messages = exported["messages"]
    assert exported["model"] == "claude-demo"
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert text_of(messages[0]) == "hello"
    first = messages[1]
    assert block_types(first) == ["thinking", "text", "tool_use"]
    assert first["stop_reason"] == "tool_use"
    tool = first["content"][2]
    assert tool["name"] == "get_weather" and tool["input"]["prompt"] == "hello"
    assert block_types(messages[2]) == ["tool_result"]
    assert block_types(messages[3]) == ["text"]
    assert all(m["status"] == "complete" for m in messages)


def slow_reply(partial: list[str], pause: float = 30.0) -> Reply:
    """A text reply that streams ``partial`` and then stalls before the rest."""

    def delta(text: str) -> bytes:
        return sse(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        )

    body: list[Any] = [
        sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_slow",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-test",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                },
            },
        ),
        sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
    ]
    for piece in partial:
        body += [delta(piece), 0.05]
    body += [0.25] * int(pause / 0.25)  # short sleeps: the handler thread notices a closed socket soon
    body += [
        delta(" NEVER-SENT"),
        sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        sse(
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 40}},
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]
    return Reply(200, body, {"content-type": "text/event-stream"})


def test_escape_stops_a_streaming_reply_and_keeps_the_partial_text(
    terminal: Terminal, api: ScriptedAPI, app_env
):
    partial = ["Partial answer:", " the quick", " brown fox"]
    api.then(slow_reply(partial))
    env = {**app_env, "ANTHROPIC_API_KEY": SENTINEL_KEY, "ANTHROPIC_BASE_URL": api.url}
    terminal.start([installed_command()], env)
    terminal.wait_for(app_ready, "the app to be up")
    terminal.type("Tell me slowly")
    terminal.wait_for("Tell me slowly", "the typed prompt")
    terminal.press("C-s")
    terminal.wait_for(
        lambda s: "the quick brown fox" in s and "streaming" in status_line(s), "the partial reply"
    )

    terminal.press("Escape")  # the server would stall for 30 s: stopping must not wait for it
    terminal.wait_for(reply_done, "the reply to stop", timeout=15)
    quit_app(terminal)

    exported = export_last(env)
    user, reply = exported["messages"]
    assert text_of(user) == "Tell me slowly"
    assert reply["status"] == "interrupted"
    assert block_types(reply) == ["text"]
    assert text_of(reply) == "".join(partial)
