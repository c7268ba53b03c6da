"""The layout at any width, and the rough edges a daily user hit: what the footer offers, the status bar
on a narrow terminal, a retry's countdown, the title filter, the archive's undo, where exports go."""

from __future__ import annotations

from dataclasses import replace

from textual.geometry import Region
from textual.widgets import Footer, Input
from textual.widgets._footer import FooterKey

from claude_textual.core.loopback import Reply
from claude_textual.store.history import History
from claude_textual.ui.screens.dialogs import ConfirmScreen
from claude_textual.ui.widgets.message import AssistantMessage
from claude_textual.ui.widgets.status_bar import StatusBar
from tests.conftest import fixture_reply
from tests.ui.test_history_ui import fill, focus_list, listed
from tests.ui.uihelpers import NotificationLog, assistants, idle, ready, send, send_and_wait, wait_for


def footer_keys(screen) -> dict[str, str]:
    """What the screen's own footer shows: key → description."""
    footer = screen.query_one(Footer)
    return {key.key: key.description for key in footer.query(FooterKey)}


def reply_footer(reply: AssistantMessage) -> str:
    return str(reply.query_one(".reply-footer").visual)


async def test_at_80_columns_the_list_hides_itself_and_f2_shows_it(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        sidebar = pilot.app.screen.query_one("#sidebar")
        assert not sidebar.display
        await pilot.press("f2")
        await wait_for(pilot, lambda: sidebar.display, what="the list shown")
        await pilot.press("f2")
        await wait_for(pilot, lambda: not sidebar.display, what="the list hidden again")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: sidebar.display, what="the list back on a wider terminal")


async def test_a_retry_countdown_is_never_cut_and_shows_in_the_reply(api, make_app, settings):
    """At 80 columns the bar drops other parts so the countdown shows whole; the reply waiting for the
    retry says so instead of 'streaming…'; Esc is offered while it waits, and not once it is over."""
    api.then(
        Reply.error(429, "rate_limit_error", "slow down", **{"retry-after": "5"}),
        fixture_reply("docs_basic_text.sse"),
    )
    app = make_app(settings=replace(settings, max_retries=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert "escape" not in footer_keys(app.screen), "nothing streams: Esc does nothing"
        status = app.screen.query_one(StatusBar)
        await send(pilot, "hello")
        await wait_for(pilot, lambda: "retrying in" in status.state, what="the countdown")
        bar = str(status.render())
        assert status.state in bar and bar.endswith("Esc stops"), bar
        assert len(bar) <= 78
        [reply] = assistants(app)
        await wait_for(pilot, lambda: "retrying in" in reply_footer(reply), what="the reply's countdown")
        assert "streaming" not in reply_footer(reply)
        assert footer_keys(app.screen).get("escape") == "Stop reply"
        await wait_for(pilot, lambda: idle(app), what="the retried reply")
        assert "retrying" not in reply_footer(reply)
        await wait_for(pilot, lambda: "escape" not in footer_keys(app.screen), what="Esc to leave the footer")


async def test_no_reply_figures_before_a_reply_and_esc_while_editing(api, make_app, db_path):
    """After --resume the bar says nothing of a reply ('reply in 0 out 0' was shown); Esc is offered to
    leave the edit of an earlier prompt, and goes with it."""
    api.then(fixture_reply("docs_basic_text.sse"))
    async with make_app().run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first")
    async with make_app(resume="last").run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: assistants(app), what="the resumed conversation")
        bar = str(app.screen.query_one(StatusBar).render())
        assert "reply in" not in bar and "conversation in 25 out 15" in bar, bar
        app.screen.query_one("#messages").focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: footer_keys(app.screen).get("escape") == "Cancel edit", what="Esc")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "escape" not in footer_keys(app.screen), what="Esc gone")


async def test_a_dialog_shows_its_own_keys(make_app, db_path):
    fill(db_path, 1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await focus_list(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
        await pilot.pause()
        keys = footer_keys(app.screen)
        assert keys.get("y") == "Yes" and keys.get("n") == "No"
        assert "Export" not in keys.values() and "Send" not in keys.values()
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the dialog gone")
        await pilot.press("ctrl+o")  # the settings screen: its own keys too
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OptionsScreen", what="the settings")
        await pilot.pause()
        keys = footer_keys(app.screen)
        assert keys.get("escape") == "Cancel" and "Export" not in keys.values(), keys


async def test_the_title_filter_is_said_and_esc_clears_it(make_app, db_path):
    ids = fill(db_path, 3, messages=0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        listing = await focus_list(pilot)
        await pilot.press("slash", *"0001")
        await wait_for(pilot, lambda: listed(app) == [ids[1]], what="filtered")
        assert "filter “0001”" in str(listing.border_title)
        await pilot.press("escape")
        await wait_for(pilot, lambda: listed(app) == ids[::-1], what="the filter cleared")
        assert str(listing.border_title) == "Conversations"
        assert app.screen.query_one("#filter", Input).value == ""


async def test_u_in_the_archived_view_takes_it_out_of_the_archive(make_app, db_path):
    ids = fill(db_path, 2, messages=0)
    History(db_path).set_archived(ids[0], True)
    log = NotificationLog()
    app = make_app()
    async with app.run_test(size=(120, 40), message_hook=log) as pilot:
        await ready(pilot)
        listing = await focus_list(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: listed(app) == [ids[0]], what="the archive")
        await pilot.press("u")
        await wait_for(pilot, lambda: listed(app) == [], what="unarchived: gone from the archive")
        assert not History(db_path).get_conversation(ids[0]).archived
        assert any(n.message == "Unarchived." for n in log.items)
        assert str(listing.border_title) == "Archived"


async def test_exports_go_to_the_export_folder_not_the_working_directory(
    api, make_app, settings, tmp_path, monkeypatch
):
    api.then(fixture_reply("docs_basic_text.sse"))
    work, exports = tmp_path / "work", tmp_path / "exports"
    work.mkdir()
    monkeypatch.chdir(work)
    app = make_app(settings=replace(settings, export_dir=str(exports)))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "export me")
        await pilot.press("ctrl+e")
        field = await wait_for(pilot, lambda: app.screen.query("#export-path"), what="the export screen")
        path = field.first(Input)
        await wait_for(pilot, lambda: path.value, what="the default path")
        assert path.value.startswith(str(exports) + "/") and path.value.endswith(".md")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: exports.is_dir() and list(exports.iterdir()), what="the file")
    assert list(work.iterdir()) == []


async def test_selecting_a_message_leaves_its_lines_as_they_were(api, make_app):
    """j marks the message without drawing its text at another width (it used to re-wrap)."""
    from tests.core._streams import stream_reply, text_reply

    words = " ".join(f"word{n}" for n in range(120))
    api.then(stream_reply(text_reply([words])))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "a long answer, please")
        [reply] = assistants(app)
        await pilot.pause()
        view = reply.query_one(".text-block")

        def drawn() -> tuple[object, list[str]]:
            lines = view.render_lines(Region(0, 0, view.size.width, view.size.height))
            return view.size, [line.text.rstrip() for line in lines]

        before = drawn()
        assert len(before[1]) > 3 and "word119" in "".join(before[1])
        pane = app.screen.query_one("#messages")
        pane.focus()
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: pane.selected is reply, what="the reply selected")
        await pilot.pause()
        assert drawn() == before
