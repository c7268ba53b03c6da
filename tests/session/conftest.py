"""The chat session of the session tests: real SDK client, loopback API, a models cache of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.session.chat import ChatSession
from tests.conftest import ScriptedAPI


@pytest.fixture
def session(api: ScriptedAPI, settings: Settings, tmp_path: Path) -> ChatSession:
    client = make_client(settings, api_key="sk-test", base_url=api.url)

    async def connect():
        return client

    return ChatSession(
        settings, connect=connect, tools=lambda: None, cache=tmp_path / "models.json", catalogue_key=api.url
    )
