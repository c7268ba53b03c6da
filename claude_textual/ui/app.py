"""The App: settings, paths and the API client in one place; the chat screen does the rest."""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from claude_textual.config import Settings
from claude_textual.ui.screens.chat import ChatScreen

if TYPE_CHECKING:
    from claude_textual.core.loopback import LoopbackServer
    from claude_textual.core.tools import ToolManager
    from claude_textual.session.chat import ChatSession


class ClaudeApp(App):
    TITLE = "claude-textual"

    def __init__(
        self,
        settings: Settings,
        db_path: Path,
        *,
        api_key: str | None,
        base_url: str | None = None,
        demo: bool = False,
        model: str | None = None,
        initial_prompt: str | None = None,
        resume: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.db_path = db_path
        self.api_key = api_key
        self.base_url = base_url
        self.demo = demo
        if demo and not model:  # the demo module brings the loopback server (http.server): only then
            from claude_textual.core.demo import DEMO_MODEL

            model = DEMO_MODEL
        self.model = model or settings.model
        self.initial_prompt = initial_prompt
        self.resume = resume
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._demo_server: LoopbackServer | None = None
        self._tools: ToolManager | None = None

    def on_mount(self) -> None:
        # Start-up made many long-lived objects: keep the collector from rescanning them on every
        # full collection, and collect young objects less often (a transcript makes many at once).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        if self.demo:
            self.sub_title = "DEMO — offline backend, not Claude"
        self.push_screen(ChatScreen(self.session()))

    def session(self) -> ChatSession:
        """The chat use-cases over this app's settings, SDK client and tools."""
        from claude_textual.config import cache_dir
        from claude_textual.session.chat import ChatSession

        key = "demo" if self.demo else (self.base_url or "https://api.anthropic.com")
        return ChatSession(
            replace(self.settings, model=self.model),
            connect=self.connect,
            tools=self.tools,
            cache=cache_dir() / "models.json",
            catalogue_key=key,
        )

    async def connect(self) -> Any:
        """The SDK client, made off the UI thread (about 2 s to import, the first time)."""
        return await asyncio.to_thread(self.client)

    def client(self) -> Any:
        """The AsyncAnthropic client, made on first use (the demo server started with it)."""
        with self._client_lock:
            if self._client is None:
                from claude_textual.core.client import make_client

                if self.demo:
                    from claude_textual.core.demo import start_demo_server

                    self._demo_server = start_demo_server()
                    self._client = make_client(self.settings, api_key="demo", base_url=self._demo_server.url)
                else:
                    self._client = make_client(self.settings, api_key=self.api_key, base_url=self.base_url)
                # The SDK (and pydantic) left tens of thousands of long-lived objects behind: out of
                # the collector's way too, or every full collection during a reply rescans them.
                gc.freeze()
            return self._client

    def tools(self) -> ToolManager | None:
        """The MCP tool servers, made on first use (their processes start when a turn needs them);
        None when none is configured."""
        if self._tools is None and self.settings.mcp_servers:
            from claude_textual.core.tools import ToolManager

            self._tools = ToolManager(self.settings)
        return self._tools

    async def on_unmount(self) -> None:
        if self._tools is not None:
            await self._tools.aclose()
        if self._demo_server is not None:
            self._demo_server.stop()
