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
        await run_from_palette(pilot, "open a conv", "Open a conversation")
        await wait_for(pilot, lambda: app.screen.focused is app.chat.query_one("#filter"), what="the filter")
        await run_from_palette(pilot, "help: every", "Help: every key")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")


async def test_the_palette_picks_the_model_and_the_thinking_and_copies_and_deletes(api, make_app, db_path):
    """Model and Thinking ask which (the current one marked) and set it for the conversation; Copy copies
    the last reply; Delete moves the conversation to the trash after asking."""
    from claude_textual.store.history import History
    from claude_textual.ui.screens.dialogs import ChoiceScreen, ConfirmScreen

    api.then(stream_reply(text_reply(["Hello there."])))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hi")
        conversation_id = app.chat.session.conversation_id
        assert {"Model", "Thinking", "Effort", "Copy", "Delete this conversation"} <= offered(app)

        await run_from_palette(pilot, "thinking", "Thinking")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen) and app.screen)
        assert dialog.choices == ["off  ← now", "adaptive", "enabled"]  # the test settings think "off"
        await pilot.press("2")
        await wait_for(pilot, lambda: app.chat.session.effective().thinking == "adaptive", what="adaptive")

        await run_from_palette(pilot, "model", "Model")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen) and app.screen)
        index = next(n for n, c in enumerate(dialog.choices) if c.startswith("claude-opus-5-5 "))
        dialog.action_choose(index)
        await wait_for(pilot, lambda: app.chat.session.effective().model == "claude-opus-5-5", what="opus")

        await run_from_palette(pilot, "copy", "Copy")
        await wait_for(pilot, lambda: app.clipboard == "Hello there.", what="the reply copied")

        await run_from_palette(pilot, "delete this", "Delete this conversation")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.chat.session.conversation_id is None, what="a new conversation")
    history = History(db_path)
    try:
        assert history.get_conversation(conversation_id).deleted_at is not None
        assert history.get_conversation(conversation_id).options["model"] == "claude-opus-5-5"
    finally:
        history.close()
