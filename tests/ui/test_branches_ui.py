"""Branches in the app: edit a prompt (e), retry an earlier reply, switch ([ / ]), search into another
branch; the branch shown is remembered and is what ``export`` prints."""

from __future__ import annotations

from textual.widgets import Input

from claude_textual.cli import main
from claude_textual.store.history import History
from claude_textual.ui.widgets.message import UserMessage
from claude_textual.ui.widgets.message_pane import MessagePane
from claude_textual.ui.widgets.prompt import EDITING, PromptBox
from tests.ui.uihelpers import (
    NotificationLog,
    assistants,
    idle,
    plain,
    ready,
    run,
    send_and_wait,
    streamed,
    users,
    wait_for,
)


def answer(text: str):
    return streamed([("text", [text])], pause=0)


def shown(app) -> list[str]:
    """The text of each message on screen."""
    return [w.message.text() for w in app.screen.query_one(MessagePane).message_widgets()]


def sent(request) -> list[str]:
    return ["".join(b.get("text", "") for b in t["content"]) for t in request.body["messages"]]


async def two_turns(pilot, api) -> None:
    api.then(answer("a1"), answer("a2"))
    await ready(pilot)
    await send_and_wait(pilot, "q1")
    await send_and_wait(pilot, "q2")


async def select(pilot, text: str) -> MessagePane:
    pane = pilot.app.screen.query_one(MessagePane)
    pane.focus()
    pane.select(next(w for w in pane.message_widgets() if w.message.text() == text))
    await pilot.pause()
    return pane


async def test_edit_a_prompt_makes_a_branch_and_esc_restores_the_draft(api, make_app):
    log = NotificationLog()
    async with run(make_app(), log) as pilot:
        app = pilot.app
        await two_turns(pilot, api)
        prompt = app.screen.query_one(PromptBox)
        prompt.insert("a draft")
        await select(pilot, "q1")
        await pilot.press("e")
        assert prompt.text == "q1" and prompt.editing is not None and prompt.has_class("-editing")
        assert prompt.border_title == EDITING and app.screen.focused is prompt
        await pilot.press("escape")
        assert prompt.text == "a draft" and prompt.editing is None and not prompt.border_title

        await select(pilot, "q1")
        await pilot.press("e")
        await pilot.press("end", *" (edited)")
        api.then(answer("a1 to the edit"))
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: len(api.requests) == 3 and idle(app) and assistants(app), what="the answer"
        )
        assert sent(api.requests[2]) == ["q1 (edited)"]
        assert shown(app) == ["q1 (edited)", "a1 to the edit"]
        assert prompt.text == "a draft" and prompt.editing is None, "the draft is back"
        [edited] = users(app)
        assert edited.branch == (2, 2) and "‹ 2/2 ›" in plain(edited)

        await select(pilot, "q1 (edited)")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: shown(app) == ["q1", "a1", "q2", "a2"], what="the old branch")
        assert app.screen.query_one(MessagePane).selected.message.text() == "q1"
        await pilot.press("left_square_bracket")
        assert "This is the first branch here." in [n.message for n in log.of("warning")]


async def test_edit_needs_a_prompt(api, make_app):
    log = NotificationLog()
    async with run(make_app(), log) as pilot:
        await two_turns(pilot, api)
        await select(pilot, "a1")
        await pilot.press("e", "left_square_bracket")
        warnings = [n.message for n in log.of("warning")]
        assert "Select a prompt you wrote (j/k) to edit it." in warnings
        assert any(w.startswith("No other branch here") for w in warnings)
        assert pilot.app.screen.query_one(PromptBox).editing is None


async def test_retry_an_earlier_reply_then_switch_back_and_the_choice_is_remembered(
    api, make_app, db_path, capsys
):
    async with run(make_app()) as pilot:
        app = pilot.app
        await two_turns(pilot, api)
        await select(pilot, "a1")
        api.then(answer("a1, regenerated"))
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: shown(app) == ["q1", "a1, regenerated"] and idle(app), what="the new branch"
        )
        assert sent(api.requests[2]) == ["q1"]
        assert assistants(app)[0].branch == (2, 2)

        await select(pilot, "a1, regenerated")
        await pilot.press("left_square_bracket")
        await wait_for(
            pilot, lambda: shown(app) == ["q1", "a1", "q2", "a2"], what="the old branch, to its end"
        )
        assert [a.branch for a in assistants(app)] == [(1, 2), None]
        api.then(answer("a3"))
        await send_and_wait(pilot, "q3")
        assert sent(api.requests[3]) == ["q1", "a1", "q2", "a2", "q3"]

    assert main(["export", "--last", "--format", "md", "--db", str(db_path)]) == 0
    markdown = capsys.readouterr().out
    assert all(t in markdown for t in ("q1", "a1", "q2", "a2", "q3")) and "regenerated" not in markdown

    async with run(make_app(resume="last")) as pilot:  # reopened: the same branch
        await wait_for(
            pilot, lambda: shown(pilot.app) == ["q1", "a1", "q2", "a2", "q3", "a3"], what="the branch"
        )


async def test_a_search_hit_on_another_branch_switches_to_it(api, make_app, db_path):
    async with run(make_app()) as pilot:
        app = pilot.app
        await two_turns(pilot, api)
        await select(pilot, "q2")
        await pilot.press("e")
        app.screen.query_one(PromptBox).text = "zebra"  # replaces q2 (and a2) on the branch shown
        api.then(answer("stripes"))
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: shown(app) == ["q1", "a1", "zebra", "stripes"] and idle(app), what="the edit"
        )

        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input), what="search box")
        await pilot.press(*"q2")
        await pilot.pause(0.6)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: shown(app) == ["q1", "a1", "q2", "a2"], what="the hit's branch")
        selected = app.screen.query_one(MessagePane).selected
        assert (
            isinstance(selected, UserMessage)
            and selected.message.text() == "q2"
            and selected.branch == (1, 2)
        )
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        assert [m.text() for m in history.load_messages(conversation.id)] == ["q1", "a1", "q2", "a2"]
    finally:
        history.close()
