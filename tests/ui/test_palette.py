"""The command palette (Ctrl+P) offers the app's own commands, those that need a conversation only when
one is open, and running one does what its key does."""

from __future__ import annotations

from claude_textual.ui.screens.help import HelpScreen
from tests.core._streams import stream_reply, text_reply
from tests.ui.uihelpers import ready, run, run_from_palette, send_and_wait, wait_for


def offered(app) -> set[str]:
    return {c.title for c in app.get_system_commands(app.chat)}


async def test_the_palette_offers_what_makes_sense_now_and_runs_it(api, make_app):
    api.then(stream_reply(text_reply(["Hello."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        mine = {"Help: every key", "Usage and cost", "New conversation", "Search", "Settings"}
        assert mine <= offered(app) and "Export" not in offered(app) and "Retry" not in offered(app)
        await send_and_wait(pilot, "hi")
        assert {"Export", "Retry"} <= offered(app), "with a conversation open"
        await run_from_palette(pilot, "new conversation", "New conversation")
        await wait_for(pilot, lambda: app.chat.session.conversation_id is None, what="a new conversation")
        await run_from_palette(pilot, "help: every", "Help: every key")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
