"""F1 (or ? where nothing is typed) shows every key by where it works, taken from the bindings."""

from __future__ import annotations

from textual.widgets import Static

from claude_textual.ui.screens.help import HelpScreen
from claude_textual.ui.widgets.message_pane import MessagePane
from tests.ui.uihelpers import ready, run, wait_for


def text_of(screen) -> str:
    parts = []
    for static in screen.query(Static):
        content = static.content
        if hasattr(content, "columns"):  # a Rich table: its cells
            parts += [str(cell) for column in content.columns for cell in column._cells]
        else:
            parts.append(str(content))
    return "\n".join(parts)


async def test_f1_lists_the_keys_of_every_place(make_app):
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen)
        shown = text_of(screen)
        for where in ("Anywhere", "Prompt box", "Transcript", "Conversation list", "Usage screen"):
            assert where in shown
        for what in (
            "Send",
            "Stop reply",
            "Usage",
            "Copy code",
            "Prev msg",
            "Empty trash",
            "Rename",
            "7 days",
        ):
            assert what in shown, what
        assert "^s" in shown and "f1" in shown.lower()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_question_mark_opens_help_where_nothing_is_typed_and_types_in_the_prompt(make_app):
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        prompt = app.screen.query_one("#prompt")
        prompt.focus()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: prompt.text == "?", what="? typed in the prompt")
        assert not isinstance(app.screen, HelpScreen)
        app.screen.query_one(MessagePane).focus()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help from the transcript")
