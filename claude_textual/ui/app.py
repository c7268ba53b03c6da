"""The App: settings, paths and the API client in one place; the chat screen does the rest."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual._compositor import CompositorUpdate, LayoutUpdate
from textual.binding import Binding
from textual.widgets import Input

from claude_textual.config import Settings
from claude_textual.core.sanitize import inert
from claude_textual.ui.commands import Commands
from claude_textual.ui.screens.chat import ChatScreen
from claude_textual.ui.terminal_writer import FULL_REDRAW, Diffed, TerminalWriter, background_erase
from claude_textual.ui.widgets.composer import Composer
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from claude_textual.core.attachments import Attachment
    from claude_textual.core.loopback import LoopbackServer
    from claude_textual.core.tools import ToolManager
    from claude_textual.session.chat import ChatSession


ANSI_THEME = "ansi-dark"
"""The theme of a 16-colour terminal: the terminal's own colours, every state told apart by them."""


class ClaudeApp(Commands):
    TITLE = "claude-textual"
    # Without colour (NO_COLOR), or with 16 (where a tinted background is lost), a state shown by a
    # background alone would vanish: these show by style.
    CSS = """
    App:nocolor OptionList > .option-list--option-highlighted { text-style: reverse bold; }
    App:nocolor MessagePane .-selected, App:ansi MessagePane .-selected { text-style: reverse; }
    App:nocolor *:focus { text-style: bold; }
    App:nocolor Toast.-error { text-style: reverse bold; }
    """
    BINDINGS = [
        Binding("ctrl+t", "usage", "Usage"),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),  # where it is not typed into a text box
    ]

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
        initial_attachments: tuple[Attachment, ...] = (),
        resume: str | None = None,
    ) -> None:
        # NO_COLOR: Textual strips colour by a filter chosen now; with native ANSI colours it keeps the
        # terminal's defaults (a monochrome filter would grey out the 16-colour theme, black on black)
        super().__init__(ansi_color=True if "NO_COLOR" in os.environ else None)
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
        self.initial_attachments = initial_attachments
        self.resume = resume
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._demo_server: LoopbackServer | None = None
        self._tools: ToolManager | None = None
        self._sdk_requested = False
        self._terminal = None if os.environ.get(FULL_REDRAW) else TerminalWriter(erase=background_erase())

    def _display(self, screen: Any, renderable: Any) -> None:
        """Write only what changed on screen (:mod:`~claude_textual.ui.terminal_writer`)."""
        writer = self._terminal
        if (
            writer is not None
            and isinstance(renderable, CompositorUpdate)
            and not (self.is_inline or self.is_headless)  # headless, nothing is written
        ):
            if (writer.width, writer.height) != tuple(self.size):
                writer.reset()
            if not writer.width and not isinstance(renderable, LayoutUpdate):  # it must see the whole screen
                renderable = screen._compositor.render_update(
                    full=True, screen_stack=self._background_screens
                )
            renderable = Diffed(writer, renderable)
        super()._display(screen, renderable)

    def on_mount(self) -> None:
        # Start-up made many long-lived objects: keep the collector from rescanning them on every
        # full collection, and collect young objects less often (a transcript makes many at once).
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)
        if self.demo:
            self.sub_title = "DEMO — offline backend, not Claude"
        self.use_theme()
        if self._terminal is not None:
            self.app_resume_signal.subscribe(self, lambda _app: self._terminal and self._terminal.reset())
        self.chat = ChatScreen(self.make_session())
        self.push_screen(self.chat)

    @property
    def state_path(self) -> Path:
        """What the app remembers between runs (the theme), beside the history."""
        return self.db_path.parent / "state.json"

    def use_theme(self) -> None:
        """The theme config.toml names; else a 16-colour one on a 16-colour terminal (or with NO_COLOR);
        else the one last chosen in the palette. A choice is remembered; code blocks follow the theme."""
        import json

        try:
            remembered = json.loads(self.state_path.read_text(encoding="utf-8")).get("theme", "")
        except (OSError, ValueError, AttributeError):
            remembered = ""
        few_colours = not self.is_headless and (
            self.no_color or self.console.color_system in ("standard", "windows")
        )
        wanted = self.settings.theme or (ANSI_THEME if few_colours else remembered)
        if wanted in self.available_themes:
            self.theme = wanted
        elif self.settings.theme:
            self.notify(f"config.toml: no theme {inert(wanted)!r}; using {self.theme}", severity="warning")
        self.follow_theme(self.current_theme)
        self.theme_changed_signal.subscribe(self, self.remember_theme)
        self.theme_changed_signal.subscribe(self, self.follow_theme)

    def follow_theme(self, theme: Any) -> None:
        """Code blocks in the theme's light or dark, in the terminal's own 16 colours for an ANSI theme."""
        from claude_textual.ui.widgets.blocks import StoredText
        from claude_textual.ui.widgets.fence import set_code_theme
        from claude_textual.ui.widgets.markdown_lines import MarkdownLines

        if set_code_theme(dark=theme.dark, ansi=theme.ansi) and self.screen_stack:
            for screen in self.screen_stack:
                for text in screen.query(StoredText):
                    text.restyle()
                for lines in screen.query(MarkdownLines):
                    lines.refresh(layout=True)

    def remember_theme(self, theme: Any) -> None:
        import json

        from claude_textual.config import write_private

        def save() -> None:
            with contextlib.suppress(OSError):  # a read-only data dir: the choice lasts this run only
                write_private(self.state_path, json.dumps({"theme": theme.name}))

        threading.Thread(target=save, name="remember-theme", daemon=True).start()

    def make_session(self) -> ChatSession:
        """The chat use-cases over this app's settings, SDK client and tools."""
        from claude_textual.config import cache_dir
        from claude_textual.session.chat import ChatSession

        key = "demo" if self.demo else (self.base_url or "https://api.anthropic.com")
        settings = replace(self.settings, model=self.model)
        if self.demo:  # the demo's backend is not Claude: no small model to name conversations
            settings = replace(settings, title_model="")
        return ChatSession(
            settings,
            connect=self.connect,
            tools=self.tools,
            cache=cache_dir() / "models.json",
            catalogue_key=key,
        )

    @on(PromptBox.Changed)
    def preload_sdk(self) -> None:
        """Import the SDK (about 2 s of CPU) off the UI thread as soon as a prompt is being typed.

        Not earlier: while it imports it slows everything else, and browsing history needs no SDK.
        Quitting never waits for it.
        """
        if not self._sdk_requested:
            self._sdk_requested = True
            threading.Thread(target=self._preload, name="sdk-preload", daemon=True).start()

    def _preload(self) -> None:
        from claude_textual.core.prices import preload

        self.client()
        preload()  # the price table, so the first reply is priced without a wait

    # ---- the screens opened over the chat ----------------------------------------------------------
    @work(exit_on_error=False, group="modal")
    async def action_options(self) -> None:
        """This conversation's settings (a new conversation gets them when it is created)."""
        from claude_textual.ui.screens.options import OptionsScreen

        session = self.chat.session
        options = await self.push_screen_wait(OptionsScreen(session.effective(), session.models))
        refused = await session.save_options(options) if options is not None else None
        if refused is not None:
            self.chat.refused(refused)
        elif options is not None:
            self.chat.say("Saved: the next request uses these settings.")
        self.chat.show_settings()

    def first_prompt(self) -> None:
        """What the command line gave: files attached (``--attach``), a prompt sent (``--prompt``)."""
        files = list(self.initial_attachments)
        if files:
            self.chat.query_one(Composer).post_message(Composer.Attached(files, []))
        if self.initial_prompt:
            self.chat.send(self.initial_prompt, tuple(files))

    def action_toggle_list(self) -> None:
        """F2: hide or show the list (on a narrow terminal, where it starts hidden, show or hide it)."""
        self.chat.query_one(Sidebar).toggle_class("-shown" if self.chat.has_class("-narrow") else "-hidden")

    def action_filter(self) -> None:
        self.chat.query_one(Sidebar).remove_class("-hidden").add_class("-shown")
        self.chat.query_one("#filter", Input).focus()

    def action_attach(self) -> None:
        self.chat.query_one(Composer).action_pick()

    def action_help(self) -> None:
        from claude_textual.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_usage(self) -> None:
        """The usage screen, over the history (nothing to show before it is open)."""
        from claude_textual.ui.screens.usage import UsageScreen

        if (store := self.chat.session.store) is None:
            self.chat.say("The history is not open, so there is no usage to show.", severity="warning")
        elif not isinstance(self.screen, UsageScreen):
            self.push_screen(UsageScreen(store))

    @work(exit_on_error=False, group="modal")
    async def offer_options(self, refusal: Any) -> None:
        """A refusal that offers settings (another model for a retired one, context editing): set them
        for the conversation if the user says yes (the prompt stays in the box, to send again)."""
        from claude_textual.ui.screens.dialogs import ConfirmScreen

        session = self.chat.session
        if not await self.push_screen_wait(
            ConfirmScreen(refusal.reason, refusal.accept or "Yes", title=refusal.title, destructive=False)
        ):
            return
        refused = await session.save_options({**session.options, **refusal.offer})
        if refused is not None:
            self.chat.refused(refused)
            return
        self.chat.say(refusal.done)
        if "model" in refusal.offer:
            self.chat.show_settings()

    @work(exit_on_error=False, group="modal")
    async def action_search(self) -> None:
        from claude_textual.ui.screens.search import SearchScreen

        if (store := self.chat.session.store) is not None:
            hit = await self.push_screen_wait(SearchScreen(store))
            if hit is not None:
                self.chat.open_at(hit.conversation_id, hit.message_id)

    @work(exit_on_error=False, group="modal")
    async def action_export(self) -> None:
        from claude_textual.config import export_dir
        from claude_textual.ui.screens.export import ExportScreen

        store, conversation_id = self.chat.session.store, self.chat.session.conversation_id
        if store is None or conversation_id is None:
            self.chat.say("Open a conversation to export it.", severity="warning")
        elif result := await self.push_screen_wait(
            ExportScreen(store, conversation_id, directory=export_dir(self.settings))
        ):
            self.chat.say(result)

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
        """Quitting: a reply still streaming is stopped and saved (interrupted), then the history closed."""
        worker = self.chat.turn_worker
        if worker is not None and not worker.is_finished:
            worker.cancel()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.wait(), 10)
        await self.chat.session.close()
        await asyncio.to_thread(self.chat.drafts.save)  # the box kept its draft as it went
        if self._tools is not None:
            await self._tools.aclose()
        if self._demo_server is not None:
            self._demo_server.stop()
