"""Shared test fixtures: the loopback Messages API, recorded streams, a history database, the app."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_textual.config import Settings
from claude_textual.core.demo import demo_responder
from claude_textual.core.loopback import LoopbackServer, Reply
from claude_textual.core.prompt_cache import PromptCache
from claude_textual.store.history import History
from tests.model_rules import api_input, api_refusal

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
SSE = SHARED / "sse"
REQUESTS = SSE / "requests"


def fixture_bytes(name: str) -> bytes:
    return (SSE / name).read_bytes()


def fixture_reply(name: str, **headers: str) -> Reply:
    return Reply(200, [fixture_bytes(name)], {"content-type": "text/event-stream; charset=utf-8", **headers})


def request_json(name: str) -> dict[str, Any]:
    return json.loads((REQUESTS / name).read_text())


class ScriptedAPI(LoopbackServer):
    """The loopback API answering from a queue of replies (then the demo script, when empty)."""

    def __init__(self, cache: PromptCache | None = None) -> None:
        self.queue: list[Reply] = []
        super().__init__(self._respond, validate=api_refusal, editor=api_input, cache=cache)

    def _respond(self, body: dict[str, Any]) -> Reply:
        return self.queue.pop(0) if self.queue else demo_responder(body)

    def then(self, *replies: Reply) -> ScriptedAPI:
        self.queue.extend(replies)
        return self


@pytest.fixture
def api() -> Iterator[ScriptedAPI]:
    with ScriptedAPI() as server:
        yield server


class Clock:
    """A clock the caching server reads; tests move it (``advance``) instead of waiting."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def caching_api(clock: Clock) -> Iterator[ScriptedAPI]:
    """The loopback API keeping a prompt cache on ``clock``, reporting reads and writes as the API does."""
    with ScriptedAPI(cache=PromptCache(clock)) as server:
        yield server


@pytest.fixture
def settings() -> Settings:
    return Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off", title_model="")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.db"


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    store = History(db_path)
    yield store
    store.close()


@pytest.fixture
def make_app(api: ScriptedAPI, settings: Settings, db_path: Path):
    """Build the real app against the loopback API (not the demo), on a temporary database."""
    from claude_textual.ui.app import ClaudeApp

    def factory(**kwargs: Any) -> ClaudeApp:
        options: dict[str, Any] = {"api_key": "sk-test", "base_url": api.url}
        options.update(kwargs)
        return ClaudeApp(
            kwargs.pop("settings", settings), db_path, **{k: v for k, v in options.items() if k != "settings"}
        )

    return factory


@pytest.fixture
def pid_dir(tmp_path: Path) -> Path:
    """Where the MCP test servers a test starts record their process ids (see tests/mcp_servers)."""
    folder = tmp_path / "pids"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own cache directory (the model list is cached there), never the user's."""
    path = tmp_path / "cache"
    monkeypatch.setenv("CLAUDE_TEXTUAL_CACHE", str(path))
    return path


APP_RUNTIME = ("claude_textual.ui", "claude_textual.session", "claude_textual.core")
"""Packages whose code runs in the app's event loop: none of it may call the store there."""


def _app_caller_on_the_loop() -> str | None:
    """Where the app's code called the store from, when that happened on an event loop's thread.

    A call the test itself made (directly, or through a helper of ours it called) is its own set-up
    or check: the frames outside ours are the test's, not the event loop's."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None  # a worker thread: where store calls belong
    frame, where = sys._getframe(2), None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(APP_RUNTIME):
            where = where or f"{module}:{frame.f_lineno} ({frame.f_code.co_name})"
        elif where is not None and not module.startswith("claude_textual"):
            return None if module.startswith("tests") else where
        frame = frame.f_back
    return where


@pytest.fixture(autouse=True)
def store_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test in which the app called a ``History`` method on the event loop (a locked or slow
    database would freeze the screen): every store call of the app's must run in a thread."""
    calls: list[str] = []

    def guarded(name: str, method: Any) -> Any:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            where = _app_caller_on_the_loop()
            if where is not None:
                calls.append(f"History.{name} from {where}")
            return method(*args, **kwargs)

        return call

    for name, method in list(vars(History).items()):
        if inspect.isfunction(method) and not name.startswith("_"):
            monkeypatch.setattr(History, name, guarded(name, method))
    yield calls
    assert not calls, "store calls on the event loop:\n" + "\n".join(dict.fromkeys(calls))
