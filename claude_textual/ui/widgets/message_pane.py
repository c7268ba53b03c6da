"""The scrolling transcript: follows the end while a reply streams, until the user scrolls up."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from claude_textual.core.model import Message
from claude_textual.ui.widgets.message import AssistantMessage, UserMessage

SHOWN_MESSAGES = 100
"""How many of a conversation's last messages are mounted when it opens."""

WELCOME = (
    "Type a prompt below and press Ctrl+S to send it.\n"
    "Esc stops a reply · Ctrl+N starts a new conversation · F2 shows or hides the list · Ctrl+Q quits."
)


class MessagePane(VerticalScroll):
    def on_mount(self) -> None:
        self.anchor()

    async def show(self, messages: list[Message]) -> None:
        """Replace the transcript with ``messages`` (the last SHOWN_MESSAGES of them)."""
        await self.remove_children()
        hidden = len(messages) - SHOWN_MESSAGES
        widgets = [message_widget(m) for m in messages[-SHOWN_MESSAGES:]]
        if hidden > 0:
            widgets.insert(0, Static(f"… {hidden} earlier messages not shown", classes="hint"))
        if not widgets:
            widgets.append(Static(WELCOME, classes="hint", markup=False))
        await self.mount_all(widgets)
        self.anchor()

    async def add(self, message: Message) -> None:
        for hint in self.query(".hint"):
            await hint.remove()
        await self.mount(message_widget(message))
        self.anchor()  # a new turn brings the view back to the end

    async def open_reply(self, message: Message) -> AssistantMessage:
        widget = AssistantMessage(message, streaming=True)
        await self.mount(widget)
        self.anchor()
        return widget

    def reply(self, message_id: str | None) -> AssistantMessage | None:
        for widget in reversed(self.children):
            if isinstance(widget, AssistantMessage) and widget.message.id == message_id:
                return widget
        return None


def message_widget(message: Message) -> UserMessage | AssistantMessage:
    return AssistantMessage(message) if message.role == "assistant" else UserMessage(message)
