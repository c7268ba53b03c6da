"""The conversation library: views (active, archived, trash), title filter, paging, rename, archive,
trash and undo. Store calls run in a thread (see the package docstring)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claude_textual.core.model import VIEWS, Conversation, Totals

if TYPE_CHECKING:
    from claude_textual.store.history import History

PAGE = 200
"""Conversations loaded at a time; the list asks for the next page as the highlight nears its end."""


@dataclass(frozen=True)
class Page:
    """One page of the list; ``total`` (first page only) counts the whole view; ``usage`` is what the
    page's conversations used and cost (those that made no API call are left out)."""

    conversations: list[Conversation]
    offset: int
    total: int | None
    view: str
    usage: dict[str, Totals] = field(default_factory=dict)


class Library:
    def __init__(self, store: History) -> None:
        self.store = store
        self.view = "active"
        self.title_filter = ""
        self.trashed: list[str] = []
        """Conversations moved to the trash in this session, latest last (``undo`` restores them)."""

    async def page(self, offset: int = 0) -> Page:
        view, title = self.view, self.title_filter

        def read() -> Page:
            conversations = self.store.list_conversations(PAGE, offset, view=view, title=title)
            total = self.store.count_conversations(view) if offset == 0 else None
            usage = self.store.conversation_totals([c.id for c in conversations])
            return Page(conversations, offset, total, view, usage)

        return await asyncio.to_thread(read)

    async def damage(self) -> str | None:
        """What is wrong with the database file, if anything (checked in a thread), said for the user."""
        try:
            found = await asyncio.to_thread(self.store.damage)
        except Exception:  # noqa: BLE001 - a check that cannot run is no finding
            return None
        if found is None:
            return None
        return (
            f"The history database {self.store.path} is damaged ({found}). What can be read is shown, but "
            "some conversations may be missing or fail to open. Quit, keep a copy of the file, and repair "
            "it with `sqlite3 history.db .recover | sqlite3 recovered.db`, or use a backup "
            "(history.db.backup-*)."
        )

    async def reprice(self) -> int:
        """Price the usage records not priced the way they would be now (all of them, the first time
        after costs came in; again when the price table or a ``[prices]`` override changes), in a thread.
        Returns how many; a database that refuses leaves them for next time."""
        try:
            return await asyncio.to_thread(self.store.reprice)
        except Exception:  # a locked or read-only history: only the figures wait
            return 0

    def next_view(self) -> str:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        return self.view

    async def get(self, conversation_id: str) -> Conversation | None:
        return await asyncio.to_thread(self.store.get_conversation, conversation_id)

    async def rename(self, conversation_id: str, title: str) -> None:
        await asyncio.to_thread(self.store.rename, conversation_id, title)

    async def toggle_archived(self, conversation: Conversation) -> str:
        """Archive ``conversation``, or bring it back from the archive; says which."""
        await asyncio.to_thread(self.store.set_archived, conversation.id, not conversation.archived)
        return "Unarchived." if conversation.archived else "Archived (v shows the archive)."

    async def trash(self, conversation_id: str) -> None:
        await asyncio.to_thread(self.store.trash, conversation_id)
        self.trashed.append(conversation_id)

    async def delete_forever(self, conversation_id: str) -> None:
        """Delete one conversation for good (from the trash view): there is no undo."""
        await asyncio.to_thread(self.store.delete_forever, [conversation_id])

    async def empty_trash(self) -> list[str]:
        """Delete every conversation in the trash for good; which went."""

        def empty() -> list[str]:
            ids = self.store.trashed()
            self.store.delete_forever(ids)
            return ids

        return await asyncio.to_thread(empty)

    async def undo(self, highlighted: str | None) -> str:
        """Restore: in the trash view the highlighted conversation, elsewhere the last one trashed
        here; in the archive, take the highlighted one out of it. Says what happened."""
        if self.view == "archived" and highlighted is not None:
            await asyncio.to_thread(self.store.set_archived, highlighted, False)
            return "Unarchived."
        target = highlighted if self.view == "trash" else (self.trashed.pop() if self.trashed else None)
        if target is None:
            return "Nothing to restore."
        await asyncio.to_thread(self.store.restore, target)
        return "Restored from the trash."
