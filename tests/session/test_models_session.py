"""Today's models through the session, the real SDK and the validating loopback server: requests in the
form each model accepts, and a model switch mid-conversation that does not leave it dead."""

from __future__ import annotations

from dataclasses import replace

from claude_textual.core.model import Status
from claude_textual.core.requests import build_messages
from claude_textual.core.turn import Notice, ReplyClosed
from tests.conftest import fixture_reply
from tests.model_rules import api_input, api_refusal
from tests.session.test_chat_session import run
from tests.ui.uihelpers import streamed


async def test_thinking_off_on_sonnet_5_5_is_sent_as_between_tools_and_accepted(session, api, db_path):
    session.settings = replace(session.settings, model="claude-sonnet-5-5", thinking="off", effort="max")
    await session.open_store(db_path)
    api.then(fixture_reply("docs_basic_text.sse"))
    plan = await session.plan_send("hi")
    assert "effort max is not available with thinking off" in plan.note
    closed = (await run(session, plan))[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None
    body = api.requests[-1].body
    assert body["thinking"] == {"type": "between_tools"} and body["output_config"] == {"effort": "high"}
    again = await session.plan_send("and again")  # said once per conversation and model
    assert again.note == ""


async def test_a_model_switch_leaves_out_the_other_models_thinking_and_says_so(session, api, db_path):
    session.settings = replace(session.settings, model="claude-opus-5-5", thinking="adaptive")
    await session.open_store(db_path)
    api.then(
        streamed([("thinking", ["Let me think."]), ("text", ["Four."])], pause=0, model="claude-opus-5-5")
    )
    await run(session, await session.plan_send("2+2?"))
    assert await session.save_options({"model": "claude-sonnet-5-5"}) is None
    api.then(fixture_reply("docs_basic_text.sse"))
    events = await run(session, await session.plan_send("and 3+3?"))
    closed = events[-1]
    assert (
        isinstance(closed, ReplyClosed)
        and closed.failure is None
        and closed.message.status is Status.COMPLETE
    )
    [notice] = [e for e in events if isinstance(e, Notice)]
    assert "claude-opus-5-5" in notice.text and "claude-sonnet-5-5" in notice.text
    sent = api.requests[-1].body
    assert sent["model"] == "claude-sonnet-5-5"
    assert [b["type"] for b in sent["messages"][1]["content"]] == ["text"]  # the thinking is left out

    # the same history sent whole, as before, is what the API drops (Sonnet 5.5 cannot read Opus 5.5's)
    history = session.store.load_messages(session.conversation_id)[:-1]
    _, report = api_input({**sent, "messages": build_messages(history)}, frozenset())
    assert report["input_transformations"] == [
        {"type": "thinking_dropped", "path": "messages.1.content.0", "reason": "model_binding_mismatch"}
    ]


async def test_a_changed_system_prompt_leaves_out_the_reasoning_bound_to_the_old_one(session, api, db_path):
    """On today's models a thinking block is bound to the system prompt and tools it was produced under:
    after the system prompt changes, the next request leaves the old reasoning out (once said), and the
    validating server, which refuses a block whose prefix changed, accepts it."""
    from tests.model_rules import prefix_of

    session.settings = replace(
        session.settings, model="claude-sonnet-5-5", thinking="adaptive", system="Be brief."
    )
    await session.open_store(db_path)
    bound = f"prefix={prefix_of({'system': 'Be brief.'})}"
    api.then(
        streamed(
            [("thinking", ["Hmm."]), ("text", ["Four."])], pause=0, model="claude-sonnet-5-5", signature=bound
        )
    )
    await run(session, await session.plan_send("2+2?"))
    assert await session.save_options({"system": "Answer in French."}) is None
    api.then(fixture_reply("docs_basic_text.sse"), fixture_reply("docs_basic_text.sse"))
    events = await run(session, await session.plan_send("and 3+3?"))
    closed = events[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None, closed.failure
    [notice] = [e for e in events if isinstance(e, Notice)]
    assert "system prompt or the tools changed" in notice.text
    sent = api.requests[-1].body
    assert sent["system"] == "Answer in French."
    assert [b["type"] for b in sent["messages"][1]["content"]] == ["text"]  # the thinking is left out

    # the same history sent whole is what the API refuses
    history = session.store.load_messages(session.conversation_id)[:-1]
    assert "bound to a different conversation" in (
        api_refusal("messages", {**sent, "messages": build_messages(history)}) or ""
    )

    # the next turn: still left out, and not said again
    events = await run(session, await session.plan_send("and 4+4?"))
    assert events[-1].failure is None and not [e for e in events if isinstance(e, Notice)]
