"""The conversation list: newest activity first; Enter or a click opens one."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from claude_textual.core.model import Conversation, utcnow
from claude_textual.core.sanitize import inert


def relative_time(when: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - when).total_seconds()))
    for size, unit in ((86400 * 365, "y"), (86400 * 30, "mo"), (86400 * 7, "w"), (86400, "d"), (3600, "h"),
                       (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


class ConversationList(OptionList):
    def __init__(self) -> None:
        super().__init__(id="conversations")
        self.border_title = "Conversations"

    def show(self, conversations: list[Conversation], current: str | None) -> None:
        self.clear_options()
        for conv in conversations:
            label = Text(inert(conv.title) or "(untitled)", no_wrap=True, overflow="ellipsis")
            meta = Text(f"{conv.message_count} msgs · {relative_time(conv.updated_at)} · {inert(conv.model)}",
                        style="dim", no_wrap=True, overflow="ellipsis")
            label.append("\n").append_text(meta)
            self.add_option(Option(label, id=conv.id))
        if current is not None and self.get_option_index_or_none(current) is not None:
            self.highlighted = self.get_option_index(current)

    def get_option_index_or_none(self, option_id: str) -> int | None:
        try:
            return self.get_option_index(option_id)
        except Exception:
            return None
