"""The scrolling transcript.

It shows a window of a conversation — usually its last messages — and asks for earlier ones when
the user scrolls to the top, so a 1,000-message conversation opens at its end without reading the
rest. It follows the end while a reply streams, until the user scrolls up. ``j``/``k`` select a
message; ``c`` copies it and ``y`` copies a code block from it; ``e`` edits a prompt; ``[``/``]``
switch to the previous/next branch at a message that has siblings (shown ``‹ 2/3 ›``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, work
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from claude_textual.core.codeblocks import CodeBlock, code_blocks
from claude_textual.core.describe import copyable
from claude_textual.core.model import Message, Status
from claude_textual.ui import messages as turn
from claude_textual.ui.widgets.message import AssistantMessage, UserMessage
from claude_textual.ui.widgets.streaming import Growing

if TYPE_CHECKING:
    from claude_textual.session.chat import Earlier, Window

WELCOME = (
    "Type a prompt below and press Ctrl+S to send it.\n"
    "Esc stops a reply · Ctrl+N new conversation · Ctrl+F search · Ctrl+E export · F2 list · Ctrl+Q quit.\n"
    "F1 shows every key; Ctrl+P the command palette."
)

MessageWidget = UserMessage | AssistantMessage
READING = 110
"""The widest the transcript's text runs, in cells."""


class Hint(Static):
    """A line above or below the window saying what is not shown; clicking it loads that."""

    def __init__(self, text: str, side: str) -> None:
        super().__init__(text, classes=f"hint {side}", markup=False)
        self.side = side

    def on_click(self) -> None:
        pane = self.parent
        if isinstance(pane, MessagePane):
            pane.request(self.side)


class MessagePane(Growing, VerticalScroll):
    DEFAULT_CSS = """
    MessagePane { height: 1fr; padding: 0 1; layout: stream; }
    MessagePane .hint { color: $text-muted; margin: 1 0; }
    MessagePane .hint.earlier, MessagePane .hint.later { text-align: center; background: $boost; }
    MessagePane .-selected { background: $accent 15%; }
    /* a conversation's "show the thinking panel" off (Ctrl+O) */
    MessagePane.-hide-thinking .thinking-block { display: none; }
    """
    BINDINGS = [
        Binding("k", "select(-1)", "Prev msg"),
        Binding("j", "select(1)", "Next msg"),
        Binding("c", "copy_message", "Copy msg"),
        Binding("C", "show_text", "Show to select", show=False),
        Binding("y", "copy_code", "Copy code"),
        Binding("e", "edit", "Edit prompt"),
        Binding("left_square_bracket", "branch(-1)", "‹ Branch"),
        Binding("right_square_bracket", "branch(1)", "Branch ›"),
    ]

    class NeedEarlier(TextualMessage):
        def __init__(self, before_seq: int) -> None:
            super().__init__()
            self.before_seq = before_seq

    class TypedHere(TextualMessage):
        """A key meant for the prompt box was typed in the transcript."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    class NeedLatest(TextualMessage):
        """The window does not reach the end; show the conversation's end instead."""

    class Edit(TextualMessage):
        """Edit this prompt: send a changed copy as a new branch."""

        def __init__(self, message: Message) -> None:
            super().__init__()
            self.message = message

    class SwitchBranch(TextualMessage):
        """Show the sibling ``step`` places from this message (-1 previous, 1 next) and its branch."""

        def __init__(self, message: Message, step: int) -> None:
            super().__init__()
            self.message = message
            self.step = step

    class NeedPlaces(TextualMessage):
        """Messages were added: mark those with siblings (``show_branches``) once their places are read."""

        def __init__(self, ids: list[str]) -> None:
            super().__init__()
            self.ids = ids

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.earlier = 0
        self.later = 0
        self.selected: MessageWidget | None = None
        self._asked = False

    def on_mount(self) -> None:
        self.anchor()

    def on_key(self, event: events.Key) -> None:
        """A printable key no binding takes goes to the prompt box, which takes the focus (typing
        while the transcript has the focus starts a prompt)."""
        if event.is_printable and event.character and event.key not in self.screen.active_bindings:
            event.stop()
            event.prevent_default()
            self.post_message(self.TypedHere(event.character))

    def on_resize(self) -> None:
        """On a wide terminal the text keeps a reading width (``READING`` cells), from the left."""
        right = max(1, self.outer_size.width - READING - 3)
        if self.styles.padding.right != right:
            self.styles.padding = (0, right, 0, 1)

    # ---- the window ------------------------------------------------------------------------------
    def message_widgets(self) -> list[MessageWidget]:
        return [w for w in self.children if isinstance(w, (UserMessage, AssistantMessage))]

    async def show(self, window: Window | None) -> None:
        """Replace the transcript with a conversation's window (None: an empty, new conversation)."""
        messages = window.messages if window else []
        earlier, later = (window.earlier, window.later) if window else (0, 0)
        self.earlier, self.later, self.selected, self._asked = earlier, later, None, False
        with self.app.batch_update():  # one repaint for the whole swap, not one per stage
            await self._replace(
                messages,
                earlier,
                later,
                window.focus_seq if window else None,
                window.places if window else {},
            )
        self.show_retry_hint()

    async def _replace(
        self,
        messages: list[Message],
        earlier: int,
        later: int,
        focus_seq: int | None,
        places: dict[str, tuple[int, int]],
    ) -> None:
        await self.remove_children()
        widgets: list[Widget] = [message_widget(m, places) for m in messages]
        if not widgets:
            widgets.append(Static(WELCOME, classes="hint welcome", markup=False))
        if earlier:
            widgets.insert(0, Hint(f"▲ {earlier} earlier messages — scroll up or click to load", "earlier"))
        if later:
            widgets.append(Hint(f"▼ {later} later messages — click to jump to the latest", "later"))
        await self.mount_all(widgets)
        target = next((w for w in self.message_widgets() if w.message.seq == focus_seq), None)
        if target is None:
            self.anchor()
        else:
            self.release_anchor()
            self.select(target)
            self.call_after_refresh(target.scroll_visible, top=True, animate=False)

    async def prepend(self, part: Earlier) -> None:
        """Add earlier messages above the window, keeping what is on screen where it was."""
        messages, earlier = part.messages, part.earlier
        first = self.message_widgets()[0] if self.message_widgets() else None
        for hint in self.query(".earlier"):
            await hint.remove()
        offset = first.virtual_region.y - self.scroll_y if first else 0
        widgets: list[Widget] = [message_widget(m, part.places) for m in messages]
        self.earlier = earlier
        if earlier:
            widgets.insert(0, Hint(f"▲ {earlier} earlier messages — scroll up or click to load", "earlier"))
        await self.mount_all(widgets, before=0)
        self._asked = False
        if first is not None:
            self.call_after_refresh(
                lambda: self.scroll_to(y=first.virtual_region.y - offset, animate=False, immediate=True)
            )

    def request(self, side: str) -> None:
        if side == "later":
            self.post_message(self.NeedLatest())
        elif self.earlier and not self._asked:
            self._asked = True
            widgets = self.message_widgets()
            self.post_message(self.NeedEarlier(widgets[0].message.seq if widgets else 0))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 < old and self.earlier:
            self.request("earlier")

    async def add(self, widget: MessageWidget) -> None:
        for hint in self.query(".welcome"):
            await hint.remove()
        await self.mount(widget)
        self.select(None)  # a new turn brings the view back to the end, with nothing selected
        self.anchor()
        if widget.message.id:
            self.post_message(self.NeedPlaces([widget.message.id]))

    def prompts(self) -> list[str]:
        """The prompts shown, oldest first (for Up in the prompt box)."""
        return [
            w.message.text() for w in self.message_widgets() if isinstance(w, UserMessage) and w.is_prompt
        ]

    def reply(self, message_id: str | None) -> AssistantMessage | None:
        for widget in reversed(self.children):
            if isinstance(widget, AssistantMessage) and widget.message.id == message_id:
                return widget
        return None

    def show_branches(self, places: dict[str, tuple[int, int]]) -> None:
        """Mark the messages listed with their place among their siblings (see ``History.sibling_places``)."""
        for widget in self.message_widgets():
            if widget.message.id in places:
                widget.set_branch(places[widget.message.id])

    def show_retry_hint(self) -> None:
        """The last reply on screen, when it failed or was stopped, says that Ctrl+R retries it."""
        widgets = self.message_widgets()
        last = widgets[-1] if widgets and not self.later else None
        for widget in self.query(AssistantMessage):
            widget.set_retryable(
                widget is last
                and not widget.streaming
                and widget.message.status in (Status.ERROR, Status.INTERRUPTED)
            )

    # ---- the running turn (see ui/relay.py) ------------------------------------------------------
    async def on_prompt_saved(self, message: turn.PromptSaved) -> None:
        await self.add(UserMessage(message.message))

    async def on_results_saved(self, message: turn.ResultsSaved) -> None:
        await self.add(UserMessage(message.message))

    async def on_reply_opened(self, message: turn.ReplyOpened) -> None:
        await self.add(AssistantMessage(message.message, streaming=True))

    def on_retry_waiting(self, message: turn.RetryWaiting) -> None:
        if view := self.reply(message.event.message.id):
            view.waiting(message.event)

    def on_reply_started(self, message: turn.ReplyStarted) -> None:
        if view := self.reply(message.reply.id):
            view.set_model(message.event.model)

    async def on_block_started(self, message: turn.BlockStarted) -> None:
        if view := self.reply(message.reply.id):
            await view.start_block(message.event.index, message.event.block)

    def on_block_delta(self, message: turn.BlockDelta) -> None:
        if view := self.reply(message.reply.id):
            view.feed(message.event.index, message.event.kind, message.event.text)

    async def on_block_stopped(self, message: turn.BlockStopped) -> None:
        if view := self.reply(message.reply.id):
            await view.stop_block(message.event.index, message.event.block)

    async def on_reply_closed(self, message: turn.ReplyClosed) -> None:
        event = message.event
        if view := self.reply(event.message.id):
            await view.close(event.message, event.not_saved or event.failure)
        self.show_retry_hint()

    def on_tool_started(self, message: turn.ToolStarted) -> None:
        if view := self.reply(message.event.message.id):
            view.tool_state(message.event.tool_use["id"], "running…")

    def on_tool_finished(self, message: turn.ToolFinished) -> None:
        event = message.event
        state = ("failed" if event.result.get("is_error") else "done") if event.ran else "not run"
        if view := self.reply(event.message.id):
            view.tool_state(event.tool_use["id"], state)

    async def on_turn_stopped(self, message: turn.TurnStopped) -> None:
        """The turn was stopped (or failed) before its reply closed: settle the reply as it stands."""
        reply = message.reply
        view = self.reply(reply.id) if reply is not None else None
        if view is not None and reply is not None:
            view.stop_tools()
            await view.close(reply, None)
        self.show_retry_hint()

    # ---- selection, copying, editing, branches ---------------------------------------------------
    def select(self, widget: MessageWidget | None) -> None:
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected = widget
        if widget is not None:
            widget.add_class("-selected")

    def action_select(self, step: int) -> None:
        widgets = self.message_widgets()
        if not widgets:
            return
        if self.selected in widgets:
            index = max(0, min(len(widgets) - 1, widgets.index(self.selected) + step))
        else:
            index = len(widgets) - 1 if step < 0 else 0
        self.select(widgets[index])
        self.release_anchor()
        widgets[index].scroll_visible(animate=False)

    def _target(self) -> MessageWidget | None:
        if self.selected is not None:
            return self.selected
        widgets = self.message_widgets()
        return widgets[-1] if widgets else None

    def action_copy_message(self) -> None:
        target = self._target()
        if target is None:
            return
        text = copyable(target.message)
        if text:
            self.copy(text, "message")
        else:
            self.notify("Nothing to copy: that message holds no text.", severity="warning")

    def action_copy_code(self) -> None:
        target = self._target()
        blocks = code_blocks(target.message.text()) if target is not None else []
        if len(blocks) == 1:
            self.copy(blocks[0].code, "code block")
        elif blocks:
            self.pick_code(blocks)
        else:
            self.notify("No code block in that message.", severity="warning")

    @work(exit_on_error=False, group="copy")
    async def copy(self, text: str, what: str) -> None:
        from claude_textual.ui.clipboard import UNCONFIRMED, copy_text

        said, confirmed = await copy_text(self.app, text)
        self.notify(f"{what.capitalize()}: {said}{'' if confirmed else UNCONFIRMED}.", markup=False)

    def action_show_text(self) -> None:
        """The selected message's text in a dialog, to select by hand (the terminal's own selection with
        --no-mouse): for when a copy did not reach the clipboard."""
        from claude_textual.ui.screens.dialogs import TextDialog

        target = self._target()
        if target is not None:
            self.app.push_screen(TextDialog("The message, to select", copyable(target.message)))

    @work(exit_on_error=False, group="modal")
    async def pick_code(self, blocks: list[CodeBlock]) -> None:
        from claude_textual.ui.screens.dialogs import ChoiceScreen

        index = await self.app.push_screen_wait(
            ChoiceScreen("Copy which code block?", [b.summary() for b in blocks])
        )
        if index is not None:
            self.copy(blocks[index].code, "code block")

    def action_edit(self) -> None:
        """Edit the selected prompt, or the last one when none is selected."""
        prompts = [w for w in self.message_widgets() if isinstance(w, UserMessage) and w.is_prompt]
        target = self.selected if self.selected is not None else (prompts[-1] if prompts else None)
        if target in prompts:
            self.post_message(self.Edit(target.message))  # type: ignore[union-attr]
        else:
            self.notify("Select a prompt you wrote (j/k) to edit it.", severity="warning")

    def action_branch(self, step: int) -> None:
        target = self._target()
        if target is None or target.branch is None:
            self.notify("No other branch here: select a message marked ‹ n/m › (j/k).", severity="warning")
        elif 1 <= target.branch[0] + step <= target.branch[1]:
            self.post_message(self.SwitchBranch(target.message, step))
        else:
            self.notify(f"This is the {'first' if step < 0 else 'last'} branch here.", severity="warning")


def message_widget(message: Message, places: dict[str, tuple[int, int]]) -> MessageWidget:
    """The widget for a stored message, marked with its place among its siblings, if it has any."""
    widget = AssistantMessage(message) if message.role == "assistant" else UserMessage(message)
    widget.set_branch(places.get(message.id or ""))
    return widget
