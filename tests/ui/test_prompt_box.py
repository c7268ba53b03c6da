"""The prompt box as people expect it: Up/Down bring back earlier prompts, a draft per conversation that
outlives a switch and a restart, typing in the transcript reaches the box, Ctrl+K from anywhere,
Ctrl+G clears (Ctrl+Z undoes it)."""

from __future__ import annotations

import json
import stat

from claude_textual.ui.widgets.conversation_list import ConversationList
from claude_textual.ui.widgets.prompt import PromptBox
from tests.conftest import fixture_reply
from tests.ui.uihelpers import ready, run, send_and_wait, users, wait_for


def box(app) -> PromptBox:
    return app.screen.query_one(PromptBox)


async def test_up_and_down_in_an_empty_box_bring_back_earlier_prompts(api, make_app):
    api.then(fixture_reply("docs_basic_text.sse"), fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first prompt")
        await send_and_wait(pilot, "second\nprompt")
        prompt = box(app)
        assert prompt.text == "" and prompt.has_focus
        await pilot.press("up")
        assert prompt.text == "second\nprompt"
        await pilot.press("up")  # the cursor is on the last line: it moves up within the prompt first
        assert prompt.text == "second\nprompt" and prompt.cursor_location[0] == 0
        await pilot.press("up")
        assert prompt.text == "first prompt"
        await pilot.press("up")  # the oldest: stays
        assert prompt.text == "first prompt"
        await pilot.press("down")
        assert prompt.text == "second\nprompt"
        await pilot.press("down", "down")
        assert prompt.text == ""
        await pilot.press("up", "end", *" again")  # changed: Up now moves the cursor, nothing else
        await pilot.press("up")
        assert prompt.text == "second\nprompt again"


async def test_a_draft_stays_with_its_conversation_and_outlives_a_restart(api, make_app, db_path):
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "the first conversation")
        first = app.screen.session.conversation_id
        prompt = box(app)
        await pilot.press(*"half a thought")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: prompt.text == "", what="a new conversation's empty box")
        await pilot.press(*"another idea")
        listing = app.screen.query_one(ConversationList)
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.session.conversation_id == first, what="the first again")
        await wait_for(pilot, lambda: prompt.text == "half a thought", what="its draft back")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: prompt.text == "another idea", what="the new one's draft back")
    drafts = db_path.parent / "drafts.json"
    assert json.loads(drafts.read_text()) == {first: "half a thought", "": "another idea"}
    assert stat.S_IMODE(drafts.stat().st_mode) == 0o600

    async with run(make_app(resume="last")) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: users(app), what="the resumed conversation")
        await wait_for(pilot, lambda: box(app).text == "half a thought", what="the draft after a restart")


async def test_a_sent_prompt_leaves_no_draft_behind(api, make_app, db_path):
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        prompt = box(app)
        await pilot.press(*"typed, then sent")
        await wait_for(pilot, lambda: app.screen.drafts.get("") == "typed, then sent", what="the draft")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: users(app) and prompt.text == "", what="sent")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert prompt.text == ""
    assert json.loads((db_path.parent / "drafts.json").read_text()) == {}


async def test_typing_in_the_transcript_goes_to_the_prompt_and_ctrl_k_focuses_it(api, make_app):
    api.then(fixture_reply("docs_basic_text.sse"))
    app = make_app()
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        prompt = box(app)
        app.screen.query_one("#messages").focus()
        await pilot.press(*"why so?")
        assert prompt.has_focus and prompt.text == "why so?"
        app.screen.query_one(ConversationList).focus()
        await pilot.press("ctrl+k")
        assert prompt.has_focus
        await pilot.press("ctrl+g")
        assert prompt.text == ""
        await pilot.press("ctrl+z")
        assert prompt.text == "why so?"
