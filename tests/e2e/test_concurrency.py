"""Two app processes on one database, streaming at the same time, while the CLI reads it over and over.

Each app (its own tmux session) sends a prompt and streams a 4-second reply from the loopback API;
meanwhile ``export --last --format json`` and ``list --json`` run in a loop. Every export must parse,
no process may report a locked database, no live reply may be taken for a dead one, and afterwards
both conversations hold every message, complete.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_textual.core.loopback import LoopbackServer, Reply
from tests.e2e._slow import prompt_of, slow_text_reply, words
from tests.e2e.test_tmux import (
    DEADLINE,
    Terminal,
    app_ready,
    base_env,
    installed_command,
    quit_app,
    status_line,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PROMPTS = {"alpha": "Prompt alpha", "beta": "Prompt beta"}
DELTAS = 40  # 0.1 s apart: each reply streams for about 4 s
READERS = 1  # CLI loops running beside the apps


def answer(name: str) -> list[str]:
    return words(name[0], DELTAS)


CLI_RAN = threading.Event()
"""Set once the CLI has read the history twice: until then each reply holds its second half back, so
the CLI runs while both stream however slow the machine is."""


def responder(body: dict[str, Any]) -> Reply:
    name = next(n for n, p in PROMPTS.items() if prompt_of(body) == p)
    reply = slow_text_reply(answer(name), msg_id=f"msg_{name}")
    pieces = list(reply.body)

    def held() -> Iterator[Any]:
        yield from pieces[: len(pieces) // 2]
        CLI_RAN.wait(4 * DEADLINE)
        yield from pieces[len(pieces) // 2 :]

    return Reply(reply.status, held(), reply.headers)


@pytest.fixture
def api() -> Iterator[LoopbackServer]:
    with LoopbackServer(responder) as server:
        yield server


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[dict[str, Terminal]]:
    made: dict[str, Terminal] = {}
    for name in PROMPTS:
        (tmp_path / name).mkdir()
        made[name] = Terminal(tmp_path / name)
    try:
        yield made
    finally:
        for term in made.values():
            term.kill()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([installed_command(), *args], capture_output=True, text=True, env=env, timeout=60)


def streamed_to_end(name: str, screen: str) -> bool:
    status = status_line(screen)
    return answer(name)[-1].strip() in screen and bool(status) and "streaming" not in status


def test_two_apps_stream_into_one_database_while_the_cli_reads_it(
    terminals: dict[str, Terminal], api: LoopbackServer, tmp_path: Path
):
    (tmp_path / "home").mkdir()
    (tmp_path / "config.toml").write_text('max_retries = 0\ntimeout = 30.0\ntitle_model = ""\n')
    env = {**base_env(tmp_path), "ANTHROPIC_API_KEY": "sk-test-two", "ANTHROPIC_BASE_URL": api.url}

    for term in terminals.values():
        term.start([installed_command()], env)
    for name, term in terminals.items():
        term.wait_for(app_ready, f"app {name} to be up")
        term.type(PROMPTS[name])
        term.wait_for(PROMPTS[name], f"the prompt typed in app {name}")
    for term in terminals.values():
        term.press("C-s")

    CLI_RAN.clear()
    exports: list[dict[str, Any]] = []
    listings: list[list[dict[str, Any]]] = []
    problems: list[str] = []
    done = threading.Event()

    def reader() -> None:  # the CLI, over and over, until both replies are in
        while not done.is_set():
            for args, into in (
                (("export", "--last", "--format", "json"), exports),
                (("list", "--json"), listings),
            ):
                result = cli(env, *args)
                if result.returncode != 0 or "locked" in (result.stderr + result.stdout).lower():
                    problems.append(f"{' '.join(args)}: exit {result.returncode}: {result.stderr.strip()}")
                    continue
                try:
                    into.append(json.loads(result.stdout))
                except ValueError as exc:
                    problems.append(f"{' '.join(args)}: not JSON ({exc}): {result.stdout[:200]!r}")
            if len(exports) >= 2 and len(listings) >= 2:
                CLI_RAN.set()

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(READERS)]
    for thread in readers:
        thread.start()
    screens: dict[str, str] = {}
    both_streaming = False
    deadline = time.monotonic() + 4 * DEADLINE  # a guard against a hang, not a bound: the CLI runs first
    try:
        while True:
            screens = {name: term.screen() for name, term in terminals.items()}
            both_streaming = both_streaming or all("streaming" in status_line(s) for s in screens.values())
            if all(streamed_to_end(name, s) for name, s in screens.items()):
                break
            assert time.monotonic() < deadline, f"the replies did not finish; problems: {problems}; {screens}"
            time.sleep(0.1)
    finally:
        done.set()
        for thread in readers:
            thread.join(60)
    assert problems == []
    assert both_streaming, "the two replies never streamed at the same time"
    for name, screen in screens.items():
        assert "locked" not in screen.lower(), f"app {name} reported a lock:\n{screen}"
        assert "error" not in screen.lower(), screen
    for term in terminals.values():
        quit_app(term)

    assert len(api.requests) == 2
    assert len(exports) >= 2 and len(listings) >= 2, "the CLI ran while the replies streamed"
    statuses = {m["status"] for e in exports for m in e["messages"]}
    assert "interrupted" not in statuses, "a live reply was taken for a dead one"
    assert "streaming" in statuses, "no export ran while a reply was streaming"

    listing = json.loads(cli(env, "list", "--json").stdout)
    assert sorted(c["title"] for c in listing) == sorted(PROMPTS.values())
    assert all(c["message_count"] == 2 for c in listing)
    for conversation in listing:
        name = next(n for n, p in PROMPTS.items() if p == conversation["title"])
        result = cli(env, "export", conversation["id"], "--format", "json")
        assert result.returncode == 0, result.stderr
        user, reply = json.loads(result.stdout)["messages"]
        assert user["content"] == [{"type": "text", "text": PROMPTS[name]}] and user["status"] == "complete"
        assert reply["status"] == "complete" and reply["stop_reason"] == "end_turn" and reply["error"] is None
        assert reply["content"] == [{"type": "text", "text": "".join(answer(name))}]
        assert reply["api_id"] == f"msg_{name}" and reply["usage"]["output_tokens"] == DELTAS + 1
