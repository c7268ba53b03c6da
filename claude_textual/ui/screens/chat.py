"""The chat screen: conversation list, transcript, prompt box, status bar.

Workers (opening the database, loading the list, running a turn) only post messages; the handlers
here are the one place that changes widgets.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import aclosing
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList
from textual.worker import Worker, WorkerState

from claude_textual.core.context import used_tokens, worth_counting
from claude_textual.core.model import Block, Message, SearchHit, Status, user_text_message
from claude_textual.core.sanitize import inert
from claude_textual.ui.messages import (
    ApprovalRequest,
    ConversationsLoaded,
    DeltaBatcher,
    HistoryFailed,
    HistoryOpened,
    PromptCounted,
    TurnUpdate,
)
from claude_textual.ui.widgets.blocks import ToolView
from claude_textual.ui.widgets.conversation_list import PAGE, ConversationList
from claude_textual.ui.widgets.message import AssistantMessage
from claude_textual.ui.widgets.message_pane import WINDOW, MessagePane
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from claude_textual.config import Settings
    from claude_textual.core.models import Catalogue
    from claude_textual.core.tools import Decision
    from claude_textual.core.turn import Turn
    from claude_textual.store.history import History
    from claude_textual.ui.app import ClaudeApp

VIEWS = ("active", "archived", "trash")


def warm_up_rendering() -> None:
    """Render a little Markdown with code once, off the UI thread, so the lexer and parser set-up
    (regex compiling, mostly) is not paid by the first conversation the user opens."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown

    sample = "# t\n\n*a* `b`\n\n- c\n\n```python\ndef f(x):\n    return {'k': x}\n```\n"
    Console(file=io.StringIO(), width=60, color_system="truecolor").print(Markdown(sample, code_theme="monokai"))


class ChatScreen(Screen):
    app: ClaudeApp

    BINDINGS = [
        Binding("escape", "cancel", "Stop reply"),
        Binding("ctrl+r", "retry", "Retry"),  # TextArea leaves ctrl+r free: no priority needed
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+f", "search", "Search"),
        Binding("ctrl+e", "export", "Export", priority=True),  # the TextArea uses ctrl+e (End works there)
        Binding("ctrl+o", "options", "Settings"),
        Binding("f2", "toggle_list", "List"),
        Binding("slash", "filter", "Filter", show=False),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.history: History | None = None
        self.history_error: str | None = None  # why the history could not be opened
        self.conversation_id: str | None = None
        self.turn: Turn | None = None
        self.turn_worker: Worker | None = None
        self.view = "active"
        self.title_filter = ""
        self.trashed: list[str] = []
        self._filter_timer: Timer | None = None
        self._sdk_requested = False
        self._waiting = False  # the running turn is counting down to a retry
        self.options: dict[str, Any] = {}  # the open (or the next new) conversation's own settings
        self.used = 0  # context tokens of the open conversation's last reply
        self.catalogue: Catalogue | None = None  # the model list, once the settings screen fetched it

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="Filter titles  ( / )", id="filter")
                yield ConversationList()
            with Vertical(id="chat"):
                yield MessagePane(id="messages")
                yield PromptBox()
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.demo = self.app.demo
        self.show_settings()
        status.state = "opening history…"
        self.query_one(PromptBox).focus()
        self.call_after_refresh(self.open_history)  # the first frame comes first
        for warning in self.app.settings.warnings:
            self.say(warning, title="config.toml", severity="warning", timeout=10)

    def say(self, text: str, *, title: str = "", severity: str = "information", timeout: float = 5) -> None:
        """A notification; its text may come from outside, so it is made inert and never markup."""
        self.notify(inert(text), title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    # ---- workers: they post messages, never touch widgets --------------------------------------
    @work(thread=True, exit_on_error=False, group="history")
    def open_history(self) -> None:
        from claude_textual.store.engine import StoreError
        from claude_textual.store.history import History

        try:
            history = History(self.app.db_path)
            recovered = history.mark_stale_streaming()
        except StoreError as exc:
            self.post_message(HistoryFailed(str(exc)))
            return
        except Exception as exc:  # never leave the status bar saying "opening history…" for ever
            self.post_message(HistoryFailed(f"Cannot open the history database {self.app.db_path}: "
                                            f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(HistoryOpened(history, recovered))
        warm_up_rendering()

    @on(PromptBox.Changed)
    def preload_sdk(self) -> None:
        """Import the SDK (about 2 s of CPU) off the UI thread as soon as a prompt is being typed.

        Not earlier: while it imports it slows everything else, and browsing history needs no SDK.
        Quitting never waits for it.
        """
        if not self._sdk_requested:
            self._sdk_requested = True
            threading.Thread(target=self.app.client, name="sdk-preload", daemon=True).start()

    @work(thread=True, exit_on_error=False, exclusive=True, group="list")
    def load_conversations(self, offset: int = 0) -> None:
        history = self.history
        if history is None:
            return
        page = history.list_conversations(PAGE, offset, view=self.view, title=self.title_filter)
        total = history.count_conversations(self.view) if offset == 0 else None
        self.post_message(ConversationsLoaded(page, offset=offset, total=total))

    @work(exit_on_error=False, exclusive=True, group="turn")
    async def run_turn(self, turn: Turn, prompt: Message | None) -> None:
        batcher = DeltaBatcher(self.post_message)  # streamed pieces merged: one message per SSE event is costly
        try:
            async with aclosing(turn.run(prompt)) as events:  # a cancel closes the turn here and now
                async for event in events:
                    batcher.add(event)
                    await batcher.pace()
        finally:
            batcher.flush()

    async def ask_approval(self, tool_use: Block, server: str) -> Decision:
        """The turn worker's approver: the handler below asks; cancelling the turn withdraws the question."""
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self.post_message(ApprovalRequest(tool_use, server, future))
        return await future

    # ---- handlers: history and list --------------------------------------------------------------
    async def on_history_opened(self, message: HistoryOpened) -> None:
        self.history = message.history
        self.query_one(StatusBar).state = ""
        if message.recovered:
            self.say(f"{message.recovered} reply(s) cut off by an earlier crash were kept, marked interrupted.")
        self.load_conversations()
        if self.app.resume:
            from claude_textual.store.engine import StoreError

            try:
                await self.open_conversation(self.history.resolve(self.app.resume))
            except StoreError as exc:
                self.say(str(exc), title="--resume", severity="error")
                await self.query_one(MessagePane).show([])
        else:
            await self.query_one(MessagePane).show([])
        if self.app.initial_prompt:
            await self.send(self.app.initial_prompt)

    def on_history_failed(self, message: HistoryFailed) -> None:
        self.history_error = message.error
        self.query_one(StatusBar).state = "history unavailable"
        self.say(message.error, title="Database", severity="error", timeout=30)

    def on_conversations_loaded(self, message: ConversationsLoaded) -> None:
        listing = self.query_one(ConversationList)
        listing.show(message.conversations, self.conversation_id, append=message.offset > 0)
        if message.total is not None:
            listing.set_view(self.view, message.total)

    def on_conversation_list_need_more(self, message: ConversationList.NeedMore) -> None:
        self.load_conversations(message.offset)

    @on(OptionList.OptionSelected, "#conversations")
    async def conversation_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != self.conversation_id:
            await self.open_conversation(event.option.id)
        self.query_one(PromptBox).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.title_filter = event.value.strip()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(0.15, self.load_conversations)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one(ConversationList).focus()

    @work(exit_on_error=False, group="modal")
    async def on_conversation_list_act(self, message: ConversationList.Act) -> None:
        history, target = self.history, message.conversation_id
        if history is None:
            return
        if message.action == "view":
            self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
            self.load_conversations()
            return
        if message.action == "undo":
            restore = target if self.view == "trash" else (self.trashed.pop() if self.trashed else None)
            if restore is None:
                self.say("Nothing to restore.")
                return
            history.restore(restore)
            self.say("Restored from the trash.")
            self.load_conversations()
            return
        if target is None:
            return
        conversation = history.get_conversation(target)
        if conversation is None:
            return
        from claude_textual.ui.screens.dialogs import ConfirmScreen, TextPromptScreen

        if message.action == "rename":
            title = await self.app.push_screen_wait(TextPromptScreen("Rename conversation", conversation.title))
            if title is not None:
                history.rename(target, title)
                if target == self.conversation_id:
                    self.sub_title = inert(title)
        elif message.action == "archive":
            history.set_archived(target, not conversation.archived)
            self.say("Unarchived." if conversation.archived else "Archived (v shows the archive).")
        elif message.action == "delete":
            if self.view == "trash":
                self.say("Already in the trash: u restores it.")
                return
            question = f"Move “{conversation.title}” to the trash?"
            if not await self.app.push_screen_wait(ConfirmScreen(question, "Move to trash")):
                return
            history.trash(target)
            self.trashed.append(target)
            self.say("Moved to the trash. Press u in the list to undo.")
            if target == self.conversation_id:
                await self.action_new_conversation()
        self.load_conversations()

    # ---- handlers: transcript ----------------------------------------------------------------------
    async def on_message_pane_need_earlier(self, message: MessagePane.NeedEarlier) -> None:
        if self.history is None or self.conversation_id is None:
            return
        messages, earlier, _ = self.history.load_window(self.conversation_id, WINDOW, before=message.before_seq)
        await self.query_one(MessagePane).prepend(messages, earlier=earlier)
        self.show_branches()

    async def on_message_pane_need_latest(self) -> None:
        if self.conversation_id is not None:
            await self.open_conversation(self.conversation_id, force=True)

    def show_branches(self) -> None:
        """Mark the messages on screen that have siblings ``‹ 2/3 ›`` (one query for the window)."""
        pane = self.query_one(MessagePane)
        if self.history is not None:
            pane.show_branches(self.history.sibling_places([w.message.id for w in pane.message_widgets()
                                                            if w.message.id]))

    def on_message_pane_edit(self, message: MessagePane.Edit) -> None:
        self.query_one(PromptBox).begin_edit(message.message)

    async def on_message_pane_switch_branch(self, message: MessagePane.SwitchBranch) -> None:
        if self.history is None or self.conversation_id is None:
            return
        siblings = self.history.siblings(message.message.id or "")
        if message.message.id in siblings:
            index = siblings.index(message.message.id) + message.step
            if 0 <= index < len(siblings):
                await self.open_at(self.conversation_id, siblings[index], follow=True)

    async def open_at(self, conversation_id: str, message_id: str, *, follow: bool = False) -> None:
        """Show message ``message_id``, selected; first switch to the latest branch through it when
        ``follow`` is set or when it is not on the branch shown (the conversation remembers the switch)."""
        if self.history is None:
            return
        if self.streaming():
            self.say("Stop the streaming reply (Esc) before switching.", severity="warning")
            return
        target = next(iter(self.history.load_by_id([message_id])), None)
        if target is None:
            return
        if follow or message_id not in dict(self.history.branch(conversation_id)):
            self.history.follow(conversation_id, message_id)
        await self.open_conversation(conversation_id, at_seq=target.seq, force=True)

    def on_message_pane_copy_text(self, message: MessagePane.CopyText) -> None:
        from claude_textual.ui.clipboard import copy_text

        self.say(f"{message.what.capitalize()}: {copy_text(self.app, message.text)}")

    @work(exit_on_error=False)
    async def on_message_pane_pick_code(self, message: MessagePane.PickCode) -> None:
        from claude_textual.ui.screens.dialogs import ChoiceScreen

        index = await self.app.push_screen_wait(
            ChoiceScreen("Copy which code block?", [b.summary() for b in message.blocks])
        )
        if index is not None:
            self.on_message_pane_copy_text(MessagePane.CopyText(message.blocks[index].code, "code block"))

    # ---- handlers: the running turn --------------------------------------------------------------
    def on_approval_request(self, request: ApprovalRequest) -> None:
        """Ask with a modal; Esc there denies and stops the turn. A turn stopped meanwhile takes the modal away."""
        from claude_textual.ui.screens.approval import ApprovalScreen

        future = request.future
        if future.done():
            return
        modal = ApprovalScreen(request.tool_use, request.server)

        def answered(decision: Decision | None) -> None:
            if decision is None:
                self.action_cancel()
            elif not future.done():
                future.set_result(decision)

        def withdrawn(_: asyncio.Future[Decision]) -> None:
            if future.cancelled() and self.app.screen is modal:
                self.app.pop_screen()

        future.add_done_callback(withdrawn)
        self.app.push_screen(modal, answered)
        self.query_one(StatusBar).state = "waiting for your approval…"

    @on(PromptBox.Submitted)
    async def prompt_submitted(self, event: PromptBox.Submitted) -> None:
        prompt = self.query_one(PromptBox)
        edited = prompt.editing
        if not await self.send(event.text, replacing=edited):
            return
        if edited is not None:
            prompt.end_edit()
        else:
            prompt.clear()

    @work(exit_on_error=False, exclusive=True, group="count")
    async def count_first(self, text: str) -> None:
        """Count the request a large prompt would make (``messages.count_tokens``) before it is sent."""
        from claude_textual.core.context import check_fit
        from claude_textual.core.requests import build_params

        from claude_textual.config import cache_dir
        from claude_textual.core.models import fetch_catalogue

        settings, history, conversation_id = self.effective(), self.history, self.conversation_id
        earlier = await asyncio.to_thread(history.load_messages, conversation_id) if history and conversation_id else []
        params = build_params([*earlier, user_text_message(text)], settings)
        # the model's own window (ModelInfo.max_input_tokens) when the list can be had, cached or fetched
        catalogue = self.catalogue or await fetch_catalogue(self.connect, cache_dir() / "models.json", self.catalogue_key())
        fit = await check_fit(self.connect, params, catalogue.context_window(settings.model))
        self.post_message(PromptCounted(text, fit, catalogue))

    def catalogue_key(self) -> str:
        """What the cached model list is kept under: the API it came from."""
        return "demo" if self.app.demo else (self.app.base_url or "https://api.anthropic.com")

    async def on_prompt_counted(self, message: PromptCounted) -> None:
        self.query_one(StatusBar).state = ""
        if not message.catalogue.offline:
            self.catalogue = message.catalogue
        fit = message.fit
        if not fit.fits:
            self.say(fit.note, title="Too large for the context window", severity="error", timeout=30)
            return
        if fit.note:
            self.say(fit.note, severity="warning", timeout=10)
        box = self.query_one(PromptBox)
        edited = box.editing
        if await self.send(message.text, counted=True, replacing=edited):
            if edited is not None:
                box.end_edit()
            elif box.full_text().strip() == message.text:
                box.clear()

    async def on_turn_update(self, update: TurnUpdate) -> None:
        from claude_textual.core import stream, turn

        event = update.event
        pane = self.query_one(MessagePane)
        status = self.query_one(StatusBar)
        if isinstance(event, turn.MessageSaved):
            await pane.add(event.message)
            self.show_branches()
        elif isinstance(event, turn.ReplyOpened):
            await pane.open_reply(event.message)
            self.show_branches()
            status.state, status.reply_in, status.reply_out = "waiting for Claude…", 0, 0
        elif isinstance(event, turn.Waiting):
            self._waiting = bool(event.seconds)
            where = f"({event.attempt}/{event.retries})"
            status.state = (f"{event.reason} — retrying in {event.seconds} s {where} · Esc stops" if event.seconds
                            else f"{event.reason} — retrying now {where}…")
        elif isinstance(event, turn.ReplyEvent):
            self._waiting = False
            view = pane.reply(event.message.id)
            item = event.event
            if view is None:
                return
            if isinstance(item, stream.BlockDelta):
                view.feed(item.index, item.kind, item.text)
                status.state = "streaming…"
            elif isinstance(item, stream.BlockStarted):
                await view.start_block(item.index, item.block)
            elif isinstance(item, stream.BlockStopped):
                await view.stop_block(item.index, item.block)
            elif isinstance(item, stream.UsageUpdated):
                status.reply_in = int(item.usage.get("input_tokens") or 0)
                status.reply_out = int(item.usage.get("output_tokens") or 0)
            elif isinstance(item, stream.ReplyStarted):
                view.set_model(item.model)
        elif isinstance(event, turn.ReplyClosed):
            await self.reply_closed(event.message, event.failure)
        elif isinstance(event, turn.ToolStarted | turn.ToolFinished):
            view = pane.reply(event.message.id)
            if isinstance(event, turn.ToolStarted):
                state = "running…"
                status.state = inert(f"running {event.tool_use.get('name')} ({event.server})… · Esc stops")
            else:
                state = ("failed" if event.result.get("is_error") else "done") if event.ran else "not run"
                status.state = ""
            if view is not None:
                view.tool_state(event.tool_use["id"], state)
        elif isinstance(event, turn.ToolNotice):
            self.say(event.text, title="Tools", severity="warning", timeout=10)

    async def reply_closed(self, message: Message, failure: object | None) -> None:
        view = self.query_one(MessagePane).reply(message.id)
        if view is not None:
            await view.close(message, failure)  # type: ignore[arg-type]
        status = self.query_one(StatusBar)
        status.state = ""
        self._waiting = False
        if message.usage is not None:
            status.total_in += message.usage.count("input_tokens")
            status.total_out += message.usage.count("output_tokens")
            self.used = used_tokens(message.usage.raw)
            self.show_settings()
        if getattr(failure, "kind", None) == "store":  # shown, but the history could not take it
            self.say(str(failure), title="Database", severity="error", timeout=30)
            failure = None  # said once
        if message.status is Status.ERROR and failure is not None:
            self.say(f"{failure}\nCtrl+R retries.", title="API error", severity="error", timeout=10)
        self.show_retry_hint()
        self.load_conversations()

    def show_retry_hint(self) -> None:
        """The last reply on screen, when it failed or was stopped, says that Ctrl+R retries it."""
        pane = self.query_one(MessagePane)
        widgets = pane.message_widgets()
        last = widgets[-1] if widgets and not pane.later else None
        for widget in pane.query(AssistantMessage):
            widget.set_retryable(widget is last and not widget.streaming
                                 and widget.message.status in (Status.ERROR, Status.INTERRUPTED))

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.turn_worker:
            return
        if event.state == WorkerState.CANCELLED and self.turn and self.turn.reply:
            for tool in self.query(ToolView).results():
                if tool.state == "running…":
                    tool.set_state("stopped")
            await self.reply_closed(self.turn.reply, None)
        elif event.state == WorkerState.ERROR:
            self.query_one(StatusBar).state = ""
            self.say(f"{event.worker.error}", title="Could not run the turn", severity="error", timeout=15)
            if self.turn and self.turn.reply:
                await self.reply_closed(self.turn.reply, None)

    # ---- actions -------------------------------------------------------------------------------
    def streaming(self) -> bool:
        return self.turn_worker is not None and self.turn_worker.is_running

    async def send(self, text: str, *, replacing: Message | None = None, counted: bool = False) -> bool:
        """Start a turn with ``text`` (as a new branch beside the prompt it is ``replacing``, an edit);
        False (with a notice) when it cannot start now, or not yet: a prompt that may not fit the
        context window is counted first (unless ``counted``)."""
        if self.history is None:
            if self.history_error is not None:
                self.say(f"The history is unavailable, so the prompt was not sent (nothing could be saved). "
                         f"{self.history_error}", title="Database", severity="error", timeout=30)
            else:
                self.say("The history database is not open yet.", severity="warning")
            return False
        if self.streaming():
            self.say("A reply is still streaming: wait, or press Esc to stop it.", severity="warning")
            return False
        settings = self.effective()
        if not counted and worth_counting(text, self.used, self.context_window(settings.model)):
            self.query_one(StatusBar).state = "counting the prompt's tokens…"
            self.count_first(text)
            return False
        from claude_textual.core.turn import title_from
        from claude_textual.store.engine import StoreError

        if self.conversation_id is None:
            title = title_from(text, self.app.settings.title_length)
            try:
                conversation = self.history.create_conversation(title, settings.model, settings.system)
                if self.options:
                    self.history.set_options(conversation.id, self.options)
            except StoreError as exc:  # a full disk, a lock held too long: the prompt stays in the box
                self.say(f"The prompt was not sent. {exc}", title="Database", severity="error", timeout=30)
                return False
            self.conversation_id = conversation.id
            self.sub_title = inert(conversation.title)
        elif replacing is not None or self.query_one(MessagePane).later:
            if replacing is not None:
                from claude_textual.core.branches import start_edit

                try:
                    start_edit(self.history, self.conversation_id, replacing)
                except StoreError as exc:
                    self.say(f"The edited prompt was not sent. {exc}", title="Database", severity="error", timeout=30)
                    return False
            await self.open_conversation(self.conversation_id, force=True)
        self.turn = self.new_turn()
        self.turn_worker = self.run_turn(self.turn, user_text_message(text))
        return True

    def new_turn(self) -> Turn:
        """A turn in the open conversation; the SDK client (about 2 s to import, the first time) is
        made off the UI thread when the request is due, after the prompt is already on screen."""
        from claude_textual.core.turn import Turn

        assert self.history is not None and self.conversation_id is not None
        return Turn(self.history, self.conversation_id, self.effective(), None, connect=self.connect,
                    tools=self.app.tools(), approve=self.ask_approval)

    async def connect(self) -> Any:
        """The SDK client, made off the UI thread."""
        return await asyncio.to_thread(self.app.client)

    # ---- conversation settings ---------------------------------------------------------------------
    def effective(self) -> Settings:
        """The open conversation's settings: the app's (with ``--model``) under the conversation's own."""
        return replace(self.app.settings, model=self.app.model).with_options(self.options)

    def context_window(self, model: str) -> int:
        from claude_textual.core.models import Catalogue

        return (self.catalogue or Catalogue()).context_window(model)

    def show_settings(self) -> None:
        """The status bar and the thinking panels follow the open conversation's settings."""
        settings = self.effective()
        self.query_one(StatusBar).show_settings(settings, self.used, self.context_window(settings.model))
        self.query_one(MessagePane).set_class(not settings.show_thinking, "-hide-thinking")

    @work(exit_on_error=False, group="modal")
    async def action_options(self) -> None:
        """Ctrl+O: this conversation's settings (a new conversation gets them when it is created)."""
        from claude_textual.config import cache_dir
        from claude_textual.ui.screens.options import OptionsScreen

        screen = OptionsScreen(self.effective(), self.connect, cache_dir() / "models.json", self.catalogue_key())
        options = await self.app.push_screen_wait(screen)
        self.catalogue = screen.catalogue or self.catalogue
        if options is None:
            self.show_settings()
            return
        if self.history is not None and self.conversation_id is not None:
            from claude_textual.store.engine import StoreError

            try:
                self.history.set_options(self.conversation_id, options)
            except StoreError as exc:
                self.say(f"The settings were not saved. {exc}", title="Database", severity="error", timeout=30)
                return
        self.options = options
        self.show_settings()
        self.say("Saved: the next request uses these settings.")

    async def open_conversation(self, conversation_id: str, *, at_seq: int | None = None,
                                force: bool = False) -> None:
        """Show a conversation: its last messages, or the window around message ``at_seq``."""
        if self.history is None or (conversation_id == self.conversation_id and at_seq is None and not force):
            return
        if self.streaming():
            self.say("Stop the streaming reply (Esc) before switching.", severity="warning")
            return
        conversation = self.history.get_conversation(conversation_id)
        if conversation is None:
            return
        messages, earlier, later = self.history.load_window(conversation_id, WINDOW, around=at_seq)
        if conversation_id != self.conversation_id:
            self.query_one(PromptBox).end_edit()  # the prompt being edited belongs to the other one
        self.conversation_id = conversation_id
        self.sub_title = inert(conversation.title)
        await self.query_one(MessagePane).show(messages, earlier=earlier, later=later, focus_seq=at_seq)
        self.show_branches()
        self.show_retry_hint()
        status = self.query_one(StatusBar)
        status.reply_in = status.reply_out = 0
        status.total_in, status.total_out = self.history.usage_totals(conversation_id)
        self.options = conversation.options
        self.used = next((used_tokens(m.usage.raw) for m in reversed(messages) if m.usage is not None), 0)
        self.show_settings()

    def action_cancel(self) -> None:
        """Esc: stop the streaming reply; else leave the editing of an earlier prompt."""
        if self.streaming():
            self.turn_worker.cancel()  # type: ignore[union-attr]
            if self._waiting:
                self.say("Stopped waiting to retry. Ctrl+R retries.")
            else:
                self.say("Stopped. The partial reply is kept, marked interrupted. Ctrl+R retries.")
        else:
            self.query_one(PromptBox).end_edit()

    async def action_retry(self) -> None:
        """Ctrl+R: answer again, as a new branch, what the selected reply answered (or the last one;
        a selected prompt gets a whole new turn). The old reply stays, one ``[``/``]`` away."""
        if self.history is None or self.conversation_id is None:
            self.say("Nothing to retry here.", severity="warning")
            return
        if self.streaming():
            self.say("A reply is still streaming: wait, or press Esc to stop it first.", severity="warning")
            return
        from claude_textual.core.branches import start_retry
        from claude_textual.store.engine import StoreError

        selected = self.query_one(MessagePane).selected
        try:
            self.history.mark_stale_streaming()  # then read the target as it is now
            if selected is not None:
                target = next(iter(self.history.load_by_id([selected.message.id or ""])), None)
            else:
                target = next(iter(self.history.load_messages(self.conversation_id, last=1)), None)
            if target is None:
                self.say("Nothing to retry: this conversation is empty.", severity="warning")
                return
            if target.status is Status.STREAMING:
                from claude_textual.store.history import stale_seconds

                self.say("That reply is still being written, in another window? If the app writing it crashed, "
                         f"Ctrl+R works once the reply has been idle for {stale_seconds():g} s.", severity="warning")
                return
            start_retry(self.history, self.conversation_id, target)
        except StoreError as exc:
            self.say(f"Cannot retry: {exc}", title="Database", severity="error", timeout=15)
            return
        await self.open_conversation(self.conversation_id, force=True)
        self.turn = self.new_turn()
        self.turn_worker = self.run_turn(self.turn, None)

    async def action_new_conversation(self) -> None:
        if self.streaming():
            self.say("Stop the streaming reply (Esc) first.", severity="warning")
            return
        self.conversation_id = None
        self.query_one(PromptBox).end_edit()
        self.sub_title = "New conversation"
        status = self.query_one(StatusBar)
        status.reply_in = status.reply_out = status.total_in = status.total_out = 0
        self.options, self.used = {}, 0
        self.show_settings()
        await self.query_one(MessagePane).show([])
        self.query_one(ConversationList).highlighted = None
        self.query_one(PromptBox).focus()

    def action_toggle_list(self) -> None:
        self.query_one("#sidebar").toggle_class("-hidden")

    def action_filter(self) -> None:
        self.query_one("#sidebar").remove_class("-hidden")
        self.query_one("#filter", Input).focus()

    @work(exit_on_error=False, group="modal")
    async def action_search(self) -> None:
        if self.history is None:
            return
        from claude_textual.ui.screens.search import SearchScreen

        hit: SearchHit | None = await self.app.push_screen_wait(SearchScreen(self.history))
        if hit is not None:
            await self.open_at(hit.conversation_id, hit.message_id)

    @work(exit_on_error=False, group="modal")
    async def action_export(self) -> None:
        if self.history is None or self.conversation_id is None:
            self.say("Open a conversation to export it.", severity="warning")
            return
        from claude_textual.ui.screens.export import ExportScreen

        result = await self.app.push_screen_wait(ExportScreen(self.history, self.conversation_id))
        if result:
            self.say(result)
