"""Deleting for good: in the trash, Delete asks and deletes one conversation for good, Empty trash (E)
deletes them all; the search finds nothing of them after; `claude-textual delete` does the same from a
shell, and --compact gives the space back."""

from __future__ import annotations

import json

from claude_textual.cli import main
from claude_textual.store.history import History
from claude_textual.ui.screens.dialogs import ConfirmScreen
from tests.ui.test_history_ui import fill, focus_list, listed
from tests.ui.uihelpers import ready, run, wait_for


def shown_keys(app) -> set[str]:
    return {b.binding.key for b in app.screen.active_bindings.values() if b.enabled and b.binding.show}


async def confirm(pilot, app) -> str:
    dialog = await wait_for(
        pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the dialog"
    )
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the dialog gone")
    return dialog.question


async def test_in_the_trash_delete_and_empty_trash_delete_for_good(make_app, db_path):
    ids = fill(db_path, 4)
    history = History(db_path)
    for conversation_id in ids[:3]:
        history.trash(conversation_id)
    history.close()
    drafts = db_path.parent / "drafts.json"  # what was typed in them and not sent goes with them
    drafts.write_text(json.dumps({i: f"draft of {i}" for i in ids}))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await focus_list(pilot)
        assert "E" not in shown_keys(app), "Empty trash is offered in the trash only"
        await pilot.press("v", "v")  # active -> archived -> trash
        await wait_for(pilot, lambda: len(listed(app)) == 3 and "E" in shown_keys(app), what="the trash")
        listing = await focus_list(pilot)  # the first of the trash highlighted
        target = listed(app)[listing.highlighted]
        await pilot.press("d")
        assert "for good" in await confirm(pilot, app)
        await wait_for(pilot, lambda: target not in listed(app) and len(listed(app)) == 2, what="one deleted")
        await pilot.press("E")
        assert "every conversation in the trash" in await confirm(pilot, app)
        await wait_for(pilot, lambda: listed(app) == [], what="the trash empty")
    history = History(db_path)
    try:
        assert [c.id for c in history.list_conversations()] == [ids[3]]
        assert history.count_conversations("trash") == 0
        assert {h.conversation_id for h in history.search("question")} == {ids[3]}, "no search rows left"
    finally:
        history.close()
    assert json.loads(drafts.read_text()) == {ids[3]: f"draft of {ids[3]}"}


def test_the_delete_command(db_path, capsys):
    ids = fill(db_path, 3, messages=4)
    history = History(db_path)
    history.trash(ids[2])
    history.close()
    before = db_path.stat().st_size
    assert main(["delete", ids[0][:10], "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert f"deleted {ids[0][:12]}  topic 0000" in out and "1 conversation(s) deleted for good" in out
    assert main(["delete", "--trash", "--compact", "--db", str(db_path)]) == 0
    assert "1 conversation(s) deleted for good, the database compacted" in capsys.readouterr().out
    history = History(db_path)
    try:
        assert [c.id for c in history.list_conversations()] == [ids[1]]
        assert history.search("question") and {h.conversation_id for h in history.search("question")} == {
            ids[1]
        }
    finally:
        history.close()
    assert db_path.stat().st_size <= before
