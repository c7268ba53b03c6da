"""ConfirmScreen (y / Enter / n / Esc / buttons), TextPromptScreen (rename) and ChoiceScreen (pick one)."""

from __future__ import annotations

import html

import pytest

from claude_textual.ui.screens.dialogs import ChoiceScreen, ConfirmScreen, TextPromptScreen
from tests.ui.modalhost import run_host
from tests.ui.uihelpers import wait_for


async def answer(screen, *keys: str):
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press(*keys)
        await wait_for(pilot, lambda: app.results, what="dismissed")
        assert app.screen is not screen
    return app.results


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("y",), True),
        (("enter",), True),
        (("n",), False),
        (("escape",), False),
        (("tab", "enter"), False),  # Enter on the focused Cancel button
    ],
)
async def test_confirm_keys(keys, expected):
    assert await answer(ConfirmScreen("Delete “x”?"), *keys) == [expected]


@pytest.mark.parametrize(("button", "expected"), [("#confirm", True), ("#cancel", False)])
async def test_confirm_buttons(button, expected):
    screen = ConfirmScreen("Move to trash?", "Trash")
    app, running = run_host(screen)
    async with running as pilot:
        assert str(screen.query_one("#confirm").label) == "Trash"
        await pilot.click(button)
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results == [expected]


async def test_confirm_text_is_not_markup():
    question = "Delete “[bold]evil[/bold] \x1b[2J”?"
    screen = ConfirmScreen(question, "[red]Go[/red]")
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.pause()
        shown = html.unescape(app.export_screenshot()).replace("\u00a0", " ")
        assert "[bold]evil[/bold] ␛[2J" in shown and "[red]Go[/red]" in shown
        assert "\x1b[2J" not in shown
        await pilot.press("n")
    assert app.results == [False]


async def test_prompt_enter_returns_the_new_text():
    # the value is selected on focus, so typing replaces it
    assert await answer(TextPromptScreen("Rename", "Old title"), *"New name", "enter") == ["New name"]


async def test_prompt_edit_keeps_the_value_and_strips():
    assert await answer(TextPromptScreen("Rename", "Old"), "end", *" title  ", "enter") == ["Old title"]


async def test_prompt_unchanged_and_escape():
    assert await answer(TextPromptScreen("Rename", "Same"), "enter") == ["Same"]
    assert await answer(TextPromptScreen("Rename", "Same"), *"zzz", "escape") == [None]


async def test_prompt_empty_stays_open():
    screen = TextPromptScreen("Rename", "x")
    app, running = run_host(screen)
    async with running as pilot:
        await pilot.press("backspace", "enter")
        await pilot.pause()
        assert app.screen is screen and not app.results
        assert "Esc to cancel" in str(screen.query_one("#prompt-hint").render())
        await pilot.press(*"ok", "enter")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results == ["ok"]


async def test_prompt_buttons():
    screen = TextPromptScreen("Rename", "Title [b]x[/b]")
    app, running = run_host(screen)
    async with running as pilot:
        assert screen.query_one("#prompt-input").value == "Title [b]x[/b]"
        await pilot.click("#accept")
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results == ["Title [b]x[/b]"]

    assert await answer(TextPromptScreen("Rename", "y"), "tab", "tab", "enter") == [None]  # Cancel button


CHOICES = ["python · 3 lines · print('a')", "bash · 1 line · [bold]ls[/bold] \x1b[2J", "text · 2 lines · x"]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("enter",), 0),
        (("down", "down", "enter"), 2),
        (("2",), 1),
        (("9",), None),  # no ninth choice: ignored, then Esc
        (("escape",), None),
    ],
)
async def test_choice_keys(keys, expected):
    extra = ("escape",) if keys == ("9",) else ()
    assert await answer(ChoiceScreen("Copy which code block?", CHOICES), *keys, *extra) == [expected]


async def test_choice_click_and_inert_labels():
    screen = ChoiceScreen("Copy which code block?", CHOICES)
    app, running = run_host(screen)
    async with running as pilot:
        shown = html.unescape(app.export_screenshot()).replace("\u00a0", " ")
        assert "[bold]ls[/bold] ␛[2J" in shown and "\x1b[2J" not in shown
        await pilot.click("#choices", offset=(3, 1))
        await wait_for(pilot, lambda: app.results, what="dismissed")
    assert app.results == [1]
