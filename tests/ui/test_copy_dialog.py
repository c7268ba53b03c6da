"""A copy only OSC 52 carried cannot be confirmed: the app says so, and Shift+C shows the message in a
dialog where it can be selected by hand (hostile text made inert there too)."""

from __future__ import annotations

from textual.widgets import TextArea

from claude_textual.ui.screens.dialogs import TextDialog
from tests.core._streams import stream_reply, text_reply
from tests.ui.uihelpers import NotificationLog, assistants, idle, ready, run, send, wait_for


async def test_an_unconfirmed_copy_offers_the_text_to_select(make_app, api, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # no local clipboard tool: OSC 52 alone
        monkeypatch.delenv(name, raising=False)
    api.then(stream_reply(text_reply(["Copy me \x1b]52;c;aGk=\x07 if you can."])))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send(pilot, "say something")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
        app.screen.query_one("#messages").focus()
        await pilot.press("k", "c")
        await wait_for(pilot, lambda: any("Copied" in str(n.message) for n in log.items), what="the copy")
        said = next(str(n.message) for n in log.items if "Copied" in str(n.message))
        assert "may ignore OSC 52" in said and "set -g set-clipboard on" in said and "Shift+C" in said
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, TextDialog), what="the dialog")
        shown = app.screen.query_one(TextArea).text
        assert shown.startswith("Copy me ␛]52;c;aGk=") and "\x1b" not in shown and "\x07" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TextDialog), what="closed")


async def test_a_paste_with_cr_newlines_arrives_as_lines(make_app, api):
    from textual import events

    from claude_textual.ui.widgets.prompt import PromptBox

    api.then(stream_reply(text_reply(["Three lines."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        box = app.screen.query_one(PromptBox)
        box.focus()
        app.post_message(events.Paste("one\rtwo\r\nthree"))  # as tmux's paste-buffer sends it
        await wait_for(pilot, lambda: box.text == "one\ntwo\nthree", what="three lines")
        assert box.document.line_count == 3
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: assistants(app) and idle(app), what="the reply")
    assert api.requests[-1].body["messages"][0]["content"][0]["text"] == "one\ntwo\nthree"


async def test_copying_a_tool_result_row_copies_what_it_shows(make_app, api):
    from tests.core._streams import tool_reply

    api.then(tool_reply(("toolu_1", "lookup", {"q": "x"})), stream_reply(text_reply(["Done."])))
    log = NotificationLog()
    app = make_app()
    async with run(app, log) as pilot:
        await ready(pilot)
        await send(pilot, "look it up")
        await wait_for(pilot, lambda: len(assistants(app)) == 2 and idle(app), what="the answer")
        app.screen.query_one("#messages").focus()
        await pilot.press("k", "k")  # the tool-result row, above the last reply
        await pilot.press("c")
        await wait_for(pilot, lambda: any("Copied" in str(n.message) for n in log.items), what="the copy")
        assert "lookup" in app.clipboard and "Copied 0 " not in str(log.items)
