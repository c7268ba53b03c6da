"""The chat use-cases without a terminal: real SDK, loopback API, real SQLite; no Textual anywhere."""

from __future__ import annotations

import asyncio

import pytest

from claude_textual.config import Settings
from claude_textual.core.context import Fit
from claude_textual.core.model import Status
from claude_textual.core.recorder import RecordError
from claude_textual.core.turn import PromptSaved, ReplyClosed, ReplyOpened, TurnEvent
from claude_textual.session.chat import ChatSession, NeedsCount, Ready, Refused
from tests.conftest import fixture_reply


async def run(session: ChatSession, plan: Ready) -> list[TurnEvent]:
    return [event async for event in session.run(plan)]


async def test_a_prompt_planned_and_run_is_stored_with_its_reply(session, api, db_path):
    api.then(fixture_reply("docs_basic_text.sse"))
    assert await session.open_store(db_path) == 0
    plan = await session.plan_send("Hello there, how are you?")
    assert isinstance(plan, Ready) and plan.window is not None and plan.window.messages == []
    assert plan.window.conversation.title == "Hello there, how are you?"
    assert session.running
    events = await run(session, plan)
    assert [type(e) for e in events if not hasattr(e, "event")][:2] == [PromptSaved, ReplyOpened]
    closed = events[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None and closed.not_saved is None
    assert not session.running and session.used == 25 + 15

    window = await session.open(session.conversation_id)
    assert [(m.role, m.text(), m.status) for m in window.messages] == [
        ("user", "Hello there, how are you?", Status.COMPLETE),
        ("assistant", "Hello!", Status.COMPLETE),
    ]
    assert (window.totals.input_tokens, window.totals.output_tokens) == (25, 15) and window.places == {}


async def test_sends_are_refused_before_the_store_opens_and_while_a_turn_runs(session, api, db_path):
    refused = await session.plan_send("hi")
    assert isinstance(refused, Refused) and "not open yet" in refused.reason
    await session.open_store(db_path)
    api.then(fixture_reply("docs_basic_text.sse"))
    plan = await session.plan_send("hi")
    assert isinstance(plan, Ready)
    again = await session.plan_send("and again")
    assert isinstance(again, Refused) and "still streaming" in again.reason
    assert isinstance(await session.open(plan.turn.conversation_id), Refused)  # no switching meanwhile
    await run(session, plan)
    assert isinstance(await session.plan_send("now it may go"), Ready)


async def test_a_store_that_cannot_open_refuses_with_its_reason(session, tmp_path):
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RecordError):
        await session.open_store(bad)
    refused = await session.plan_send("hi")
    assert isinstance(refused, Refused) and refused.severity == "error" and str(bad) in refused.reason


async def test_a_huge_prompt_is_counted_first_and_one_that_does_not_fit_is_refused(session, db_path):
    await session.open_store(db_path)
    assert isinstance(await session.plan_send("x" * 200_000), NeedsCount)
    refused = await session.plan_send("x" * 200_000, fit=Fit(False, "Not sent: too big."))
    assert isinstance(refused, Refused) and refused.reason == "Not sent: too big."
    assert session.conversation_id is None and not session.running  # nothing was created


async def test_retry_and_branch_switching(session, api, db_path):
    api.then(fixture_reply("docs_basic_text.sse"), fixture_reply("sdk_basic_response.sse"))
    await session.open_store(db_path)
    await run(session, await session.plan_send("first"))
    retry = await session.plan_retry(None)
    assert isinstance(retry, Ready) and retry.prompt is None
    await run(session, retry)
    window = await session.open(session.conversation_id)
    user, reply = window.messages
    assert window.places[reply.id] == (2, 2)
    back = await session.switch_branch(reply, -1)
    assert back.messages[1].text() == "Hello!" and back.places[back.messages[1].id] == (1, 2)
    assert await session.switch_branch(back.messages[1], -1) is None  # the first branch: nothing before it


async def test_conversation_settings_are_kept_and_laid_over_the_app_settings(session, api, db_path):
    await session.open_store(db_path)
    assert await session.save_options({"max_tokens": 1234}) is None  # a new conversation: kept for it
    assert session.effective().max_tokens == 1234
    api.then(fixture_reply("docs_basic_text.sse"))
    await run(session, await session.plan_send("hi"))
    assert api.requests[-1].body["max_tokens"] == 1234
    conversation_id = session.conversation_id
    session.new()
    assert session.effective().max_tokens == Settings().max_tokens and session.conversation_id is None
    window = await session.open(conversation_id)
    assert window.conversation.options == {"max_tokens": 1234} and session.effective().max_tokens == 1234


async def test_use_cases_never_touch_the_store_on_the_event_loop(session, api, db_path, store_off_the_loop):
    """The guard of tests/conftest.py sees every History call; none of these ran on the loop."""
    api.then(fixture_reply("docs_basic_text.sse"))
    await session.open_store(db_path)
    await run(session, await session.plan_send("hi"))
    await session.open(session.conversation_id)
    await session.earlier(0)
    await asyncio.sleep(0)
    assert store_off_the_loop == []
