"""The conversation library without a terminal: views, filter, paging, rename, archive, trash, undo."""

from __future__ import annotations

from claude_textual.session.library import Library
from claude_textual.store.history import History


def titled(history: History, *titles: str) -> list[str]:
    return [history.create_conversation(title, "m").id for title in titles]


async def test_views_filter_and_pages(history):
    ids = titled(history, "alpha", "beta", "gamma")
    library = Library(history)
    page = await library.page()
    assert [c.title for c in page.conversations] == ["gamma", "beta", "alpha"] and page.total == 3
    library.title_filter = "A"
    assert [c.title for c in (await library.page()).conversations] == ["gamma", "beta", "alpha"]
    library.title_filter = "ph"
    assert [c.id for c in (await library.page()).conversations] == [ids[0]]
    library.title_filter = ""
    assert (await library.page(offset=2)).total is None  # only the first page counts the view
    assert [library.next_view(), library.next_view(), library.next_view()] == ["archived", "trash", "active"]


async def test_archive_trash_and_undo(history):
    a, b = titled(history, "a", "b")
    library = Library(history)
    assert await library.toggle_archived(await library.get(a)) == "Archived (v shows the archive)."
    await library.trash(b)
    assert (await library.page()).conversations == []
    assert await library.undo(None) == "Restored from the trash."
    assert [c.id for c in (await library.page()).conversations] == [b]
    assert await library.undo(None) == "Nothing to restore."
    library.view = "archived"
    assert await library.undo(a) == "Unarchived."  # u in the archive takes it out
    library.view = "active"
    assert {c.id for c in (await library.page()).conversations} == {a, b}
    await library.rename(a, "  renamed  ")
    assert (await library.get(a)).title == "renamed"
