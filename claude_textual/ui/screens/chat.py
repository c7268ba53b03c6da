"""The chat screen: the sidebar, the transcript, the prompt box and the status bar, over a
:class:`~claude_textual.session.chat.ChatSession`.

Each action asks the session in a worker and applies the typed result (a window to show, a refusal to
say, a turn to run); a running turn's events reach the widgets that own them (``ui/relay.py``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from claude_textual.core.model import Block, Status
from claude_textual.core.recorder import RecordError
from claude_textual.core.sanitize import inert
from claude_textual.ui import messages as turn
from claude_textual.ui.widgets.composer import Composer
from claude_textual.ui.widgets.markdown_lines import warm_up_rendering
from claude_textual.ui.widgets.message_pane import MessagePane
from claude_textual.ui.widgets.prompt import PromptBox
from claude_textual.ui.widgets.sidebar import Sidebar
from claude_textual.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from claude_textual.core.attachments import Attachment
    from claude_textual.core.tools import Decision
    from claude_textual.session.chat import ChatSession, Plan, Ready, Refused, Window
    from claude_textual.ui.app import ClaudeApp


NARROW, WIDE = 100, 160
"""Terminal widths (columns) below which the list hides itself, and from which it widens."""


class ChatScreen(Screen):
    app: ClaudeApp
    CSS_PATH = "chat.tcss"

    BINDINGS = [
        Binding("escape", "cancel", "Stop reply"),
        Binding("escape", "leave_edit", "Cancel edit"),
        Binding("ctrl+r", "retry", "Retry"),  # TextArea leaves ctrl+r free: no priority needed
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+f", "app.search", "Search"),
        Binding("ctrl+e", "app.export", "Export", priority=True),  # the TextArea uses ctrl+e (End)
        Binding("ctrl+o", "app.options", "Settings"),
        Binding("f2", "app.toggle_list", "List"),
        Binding("slash", "app.filter", "Filter", show=False),
        Binding("ctrl+q", "app.quit", "Quit"),
        Binding("ctrl+k", "focus_prompt", "Type a prompt", show=False),  # the box's own Ctrl+K stays
    ]

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session
        session.approve = self.ask_approval
        session.titled = self.titled
        self.turn_worker: Worker | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Sidebar()
            with Vertical(id="chat"):
                yield MessagePane(id="messages")
                yield Composer()
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        from claude_textual.ui.drafts import Drafts

        status, box = self.query_one(StatusBar), self.query_one(PromptBox)
        status.demo = self.app.demo
        self.show_settings()
        status.state = "opening history…"
        box.focus()
        box.earlier_prompts = self.query_one(MessagePane).prompts
        self.drafts = Drafts(self.app.db_path.parent / "drafts.json")
        self.call_after_refresh(self.open_history)  # the first frame comes first
        for warning in self.app.settings.warnings:
            self.say(warning, title="config.toml", severity="warning", timeout=10)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
        self.set_class(event.size.width >= WIDE, "-wide")

    def say(self, text: str, *, title: str = "", severity: str = "information", timeout: float = 5) -> None:
        """A notification; its text may come from outside, so it is made inert and never markup."""
        self.notify(inert(text), title=title, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def refused(self, refusal: Refused) -> None:
        if refusal.offer:  # e.g. a retired model: the app asks whether to switch (one key: Enter)
            self.app.offer_options(refusal)
            return
        timeout = 30 if refusal.severity == "error" else 5
        self.say(refusal.reason, title=refusal.title, severity=refusal.severity, timeout=timeout)

    # ---- opening -----------------------------------------------------------------------------------
    @work(exit_on_error=False, group="history")
    async def open_history(self) -> None:
        status, box = self.query_one(StatusBar), self.query_one(PromptBox)
        await asyncio.to_thread(self.drafts.load)  # drafts do not need the history: kept even without it
        box.drafts = self.drafts
        box.restore_draft()
        try:
            recovered = await self.session.open_store(self.app.db_path)
        except RecordError as exc:
            status.state = "history unavailable"
            self.say(str(exc), title="Database", severity="error", timeout=30)
            return
        status.state = ""
        if recovered:
            self.say(f"{recovered} reply(s) cut off by an earlier crash were kept, marked interrupted.")
        assert self.session.library is not None
        self.query_one(Sidebar).attach(self.session.library)
        if self.app.resume:
            await self.apply(await self.session.resume(self.app.resume))
        if self.session.conversation_id is None:
            await self.show(None)
        self.app.first_prompt()
        await asyncio.to_thread(warm_up_rendering)  # off the UI thread: the first conversation opens faster

    async def show(self, window: Window | None, *, sending: bool = False) -> None:
        """Show a conversation's window (None: a new conversation); the prompt box holds its draft,
        unless the box's prompt is being sent (and stays there until it is saved)."""
        key = window.conversation.id if window else ""
        box = self.query_one(PromptBox)
        if sending:
            box.move_draft(key)
        else:
            box.switch_draft(key)
        self.sub_title = inert(window.conversation.title) if window else "New conversation"
        self.query_one(Sidebar).set_current(window.conversation.id if window else None)
        self.query_one(StatusBar).show_totals(window)
        self.show_settings()
        await self.query_one(MessagePane).show(window)

    async def apply(self, result: Window | Refused | None) -> None:
        from claude_textual.session.chat import Refused

        if isinstance(result, Refused):
            self.refused(result)
        elif result is not None:
            await self.show(result)

    @work(exit_on_error=False, exclusive=True, group="open")
    async def open(self, conversation_id: str) -> None:
        """Show the end of conversation ``conversation_id``, which becomes the open one."""
        if self.session.conversation_id != conversation_id:
            self.query_one(PromptBox).end_edit()  # the prompt being edited belongs to the other one
        await self.apply(await self.session.open(conversation_id))

    def on_sidebar_open(self, message: Sidebar.Open) -> None:
        if message.conversation_id != self.session.conversation_id:
            self.open(message.conversation_id)
        self.query_one(PromptBox).focus()

    def titled(self, conversation_id: str, title: str) -> None:
        """A conversation has a new title (the small model's, or /title): the header, if it is the open
        one, and the list show it."""
        if conversation_id == self.session.conversation_id:
            self.sub_title = inert(title)
        self.query_one(Sidebar).reload()

    def on_sidebar_renamed(self, message: Sidebar.Renamed) -> None:
        if message.conversation_id == self.session.conversation_id:
            self.sub_title = inert(message.title)

    async def on_sidebar_trashed(self, message: Sidebar.Trashed) -> None:
        if message.conversation_id == self.session.conversation_id:
            await self.action_new_conversation()

    async def on_sidebar_deleted_for_good(self, message: Sidebar.DeletedForGood) -> None:
        self.drafts.forget(message.ids)
        await asyncio.to_thread(self.drafts.save)

    @work(exit_on_error=False, group="window")
    async def on_message_pane_need_earlier(self, message: MessagePane.NeedEarlier) -> None:
        if part := await self.session.earlier(message.before_seq):
            await self.query_one(MessagePane).prepend(part)

    def on_message_pane_need_latest(self) -> None:
        if self.session.conversation_id is not None:
            self.open(self.session.conversation_id)

    @work(exit_on_error=False, group="window")
    async def on_message_pane_need_places(self, message: MessagePane.NeedPlaces) -> None:
        self.query_one(MessagePane).show_branches(await self.session.places(message.ids))

    def on_message_pane_typed_here(self, message: MessagePane.TypedHere) -> None:
        box = self.query_one(PromptBox)
        box.focus()
        box.insert(message.character)

    def on_message_pane_edit(self, message: MessagePane.Edit) -> None:
        self.query_one(PromptBox).begin_edit(message.message)

    @work(exit_on_error=False, group="open")
    async def on_message_pane_switch_branch(self, message: MessagePane.SwitchBranch) -> None:
        await self.apply(await self.session.switch_branch(message.message, message.step))

    @work(exit_on_error=False, group="open")
    async def open_at(self, conversation_id: str, message_id: str) -> None:
        await self.apply(await self.session.open_at(conversation_id, message_id))

    # ---- sending and the running turn --------------------------------------------------------------
    def on_prompt_box_submitted(self, event: PromptBox.Submitted) -> None:
        self.send(event.text, event.attachments)

    @work(exit_on_error=False, group="send")
    async def send(self, text: str, files: tuple[Attachment, ...] = ()) -> None:
        """Plan sending ``text`` (counting it first when it may not fit; once the history is open), then
        run the turn. The box keeps the prompt until it is saved (``PromptSaved``): nothing is lost."""
        from claude_textual.session.chat import NeedsCount

        await self.session.opened()
        box, pane, status = self.query_one(PromptBox), self.query_one(MessagePane), self.query_one(StatusBar)
        if refused := self.session.busy():  # said at once, leaving the state line as it is
            self.refused(refused)
            return
        status.state = "saving the prompt…"  # a database locked by another program makes this wait
        plan = await self.session.plan_send(
            text, editing=box.editing, reopen=bool(pane.later), attachments=files
        )
        if isinstance(plan, NeedsCount):
            status.state = "counting the prompt's tokens…"
            fit = await self.session.count(text, files)
            status.state = "saving the prompt…"
            plan = await self.session.plan_send(
                text, editing=box.editing, reopen=bool(pane.later), fit=fit, attachments=files
            )
        await self.start(plan)

    async def start(self, plan: Plan) -> None:
        from claude_textual.session.chat import Ready

        if not isinstance(plan, Ready):
            self.query_one(StatusBar).state = ""
            self.refused(plan)  # type: ignore[arg-type]
            return
        if plan.note:
            self.say(plan.note, severity="warning", timeout=10)
        if plan.window is not None:
            await self.show(plan.window, sending=True)
            self.query_one(Sidebar).reload()
        self.turn_worker = self.run_turn(plan)

    @work(exit_on_error=False, exclusive=True, group="turn")
    async def run_turn(self, plan: Ready) -> None:
        from claude_textual.ui.relay import Relay, follow

        owners = {"pane": self.query_one(MessagePane), "status": self.query_one(StatusBar)}
        await follow(self.session.run(plan), Relay(**owners, prompt=self.query_one(PromptBox), screen=self))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A turn stopped (Esc) or failed before its reply closed: its owners settle it as it stands."""
        if event.worker is self.turn_worker:
            self.refresh_bindings()  # Esc "Stop reply" comes and goes with the turn
        if event.worker is self.turn_worker and event.state in (WorkerState.CANCELLED, WorkerState.ERROR):
            reply = self.session.turn.reply if self.session.turn else None
            error = event.worker.error if event.state == WorkerState.ERROR else None
            for owner in (self.query_one(MessagePane), self.query_one(StatusBar), self):
                owner.post_message(turn.TurnStopped(reply, error))

    def on_turn_stopped(self, message: turn.TurnStopped) -> None:
        if message.error is not None:
            self.say(f"{message.error}", title="Could not run the turn", severity="error", timeout=15)
        self.query_one(Sidebar).reload()

    def on_save_failed(self, message: turn.SaveFailed) -> None:
        self.say(str(message.event.not_saved), title="Database", severity="error", timeout=30)

    def on_reply_closed(self, message: turn.ReplyClosed) -> None:
        event = message.event
        if event.not_saved is not None:  # shown, but the history could not take it
            self.say(str(event.not_saved), title="Database", severity="error", timeout=30)
        elif event.failure is not None and event.message.status is Status.ERROR:
            self.say(f"{event.failure}\nCtrl+R retries.", title="API error", severity="error", timeout=10)
        self.show_settings()
        self.query_one(Sidebar).reload()

    def on_notice(self, message: turn.Notice) -> None:
        self.say(message.text, title=message.title, severity="warning", timeout=10)

    async def ask_approval(self, tool_use: Block, server: str) -> Decision:
        """The turn worker's approver: the handler below asks; cancelling the turn withdraws the question."""
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self.post_message(turn.ApprovalRequest(tool_use, server, future))
        return await future

    def on_approval_request(self, request: turn.ApprovalRequest) -> None:
        """Ask with a modal; Esc there denies and stops the turn. A turn stopped meanwhile takes the modal away."""
        from claude_textual.ui.screens.approval import ask

        if ask(self.app, request, on_stop=self.action_cancel):
            self.query_one(StatusBar).state = "waiting for your approval…"

    # ---- actions -----------------------------------------------------------------------------------
    def streaming(self) -> bool:
        return self.turn_worker is not None and self.turn_worker.is_running

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc is offered (in the footer too) only while a reply streams, or else a prompt is edited."""
        if action == "cancel":
            return self.streaming()
        if action == "leave_edit":
            return not self.streaming() and self.query_one(PromptBox).editing is not None
        return True

    def action_focus_prompt(self) -> None:
        self.query_one(PromptBox).focus()

    def action_leave_edit(self) -> None:
        self.query_one(PromptBox).end_edit()

    def action_cancel(self) -> None:
        """Esc: stop the streaming reply."""
        if self.streaming():
            self.turn_worker.cancel()  # type: ignore[union-attr]
            if self.query_one(StatusBar).waiting:
                self.say("Stopped waiting to retry. Ctrl+R retries.")
            else:
                self.say("Stopped. The partial reply is kept, marked interrupted. Ctrl+R retries.")

    @work(exit_on_error=False, group="send")
    async def action_retry(self) -> None:
        """Ctrl+R: answer again, as a new branch, what the selected reply answered (or the last one;
        a selected prompt gets a whole new turn). The old reply stays, one ``[``/``]`` away."""
        selected = self.query_one(MessagePane).selected
        await self.start(await self.session.plan_retry(selected.message if selected else None))

    async def action_new_conversation(self) -> None:
        if self.session.running:
            self.say("Stop the streaming reply (Esc) first.", severity="warning")
            return
        self.session.new()
        self.query_one(PromptBox).end_edit()
        await self.show(None)
        self.query_one(PromptBox).focus()

    def show_settings(self) -> None:
        """The status bar and the thinking panels follow the open conversation's settings."""
        settings = self.session.effective()
        self.query_one(StatusBar).show_settings(settings, self.session.used, self.session.context_window())
        self.query_one(MessagePane).set_class(not settings.show_thinking, "-hide-thinking")
