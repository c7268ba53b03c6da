"""Context editing and what the API says it did to the input, through the session, the real SDK and the
validating loopback server (which applies the edits and drops thinking as the API documents it)."""

from __future__ import annotations

from dataclasses import replace

from claude_textual.core.catalogue import builtin_choice
from claude_textual.core.loopback import model_info
from claude_textual.core.model import Message
from claude_textual.core.turn import Notice, ReplyClosed
from claude_textual.session.chat import Ready, Refused
from tests.conftest import fixture_reply
from tests.model_rules import prefix_of
from tests.session.test_chat_session import run
from tests.ui.uihelpers import streamed

WINDOW = 8_000
BIG = "row of the listing " * 250  # 4,750 characters: some 1,200 tokens by the loopback's count


def tool_history(store, model: str, rounds: int = 6) -> str:
    """A conversation of ``rounds`` tool calls, each answered with a big result; its id."""
    conversation = store.create_conversation("a long listing", model)
    store.add_message(
        conversation.id, Message(role="user", content=[{"type": "text", "text": "List it all."}])
    )
    for n in range(rounds):
        use = {"type": "tool_use", "id": f"toolu_{n}", "name": "ls", "input": {"page": n}}
        store.add_message(conversation.id, Message(role="assistant", content=[use], model=model))
        result = {"type": "tool_result", "tool_use_id": f"toolu_{n}", "content": f"{n}: {BIG}"}
        store.add_message(conversation.id, Message(role="user", content=[result]))
    store.add_message(
        conversation.id, Message(role="assistant", content=[{"type": "text", "text": "Listed."}], model=model)
    )
    return conversation.id


async def test_a_conversation_too_large_for_its_window_is_offered_context_editing_and_then_fits(
    session, api, db_path
):
    model = "claude-sonnet-5-5"
    api.models = [model_info(model, "Claude Sonnet 5.5", WINDOW, caps=builtin_choice(model).caps)]
    session.settings = replace(session.settings, model=model, thinking="off", max_tokens=1000)
    await session.open_store(db_path)
    await session.models()
    opened = await session.open(tool_history(session.store, model))
    assert opened is not None and not isinstance(opened, Refused)

    prompt = "And what was on the first page? " * 40
    fit = await session.count(prompt)  # as after NeedsCount, once the conversation nears its window
    refused = await session.plan_send(prompt, fit=fit)
    assert isinstance(refused, Refused) and refused.offer == {"context_editing": True}
    assert "Turn on context editing for this conversation?" in refused.reason
    assert "context_management" not in api.requests[-1].body  # the count was of the request as it was

    assert await session.save_options({**session.options, **refused.offer}) is None
    fit = await session.count(prompt)  # counted again, as the API would clear it
    counted = api.requests[-1]
    assert "context-management-2025-06-27" in counted.headers["anthropic-beta"].split(",")
    assert counted.body["context_management"] == {
        "edits": [
            {
                "type": "clear_tool_uses_20250919",
                "trigger": {"type": "input_tokens", "value": int(WINDOW * 0.6)},
                "keep": {"type": "tool_uses", "value": 3},
            }
        ]
    }
    assert fit.fits, fit.note

    api.then(fixture_reply("docs_basic_text.sse"))
    plan = await session.plan_send(prompt, fit=fit)
    assert isinstance(plan, Ready)
    events = await run(session, plan)
    closed = events[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None, closed.failure
    sent = api.requests[-1]
    assert sent.path.startswith("/v1/messages") and "context_management" in sent.body
    assert sent.headers["anthropic-beta"] == "context-management-2025-06-27"
    # all six results go up whole (the history keeps them); the API cleared the three oldest
    results = [b for t in sent.body["messages"] for b in t["content"] if b.get("type") == "tool_result"]
    assert len(results) == 6 and all(BIG in r["content"] for r in results)
    [notice] = [e.text for e in events if isinstance(e, Notice)]
    assert notice.startswith("Context editing: the API cleared 3 old tool results (")
    stored = session.store.load_messages(session.conversation_id)[-1]
    [edit] = stored.extra["context_management"]["applied_edits"]
    assert edit["type"] == "clear_tool_uses_20250919" and edit["cleared_tool_uses"] == 3


async def test_the_offer_is_not_made_where_the_model_has_no_context_editing(session, api, db_path):
    model = "claude-sonnet-5-5"
    caps = replace(builtin_choice(model).caps, context_edits=frozenset())
    api.models = [model_info(model, "Claude Sonnet 5.5", WINDOW, caps=caps)]
    session.settings = replace(session.settings, model=model, thinking="off", max_tokens=1000)
    await session.open_store(db_path)
    await session.models()
    await session.open(tool_history(session.store, model))
    prompt = "And what was on the first page? " * 40
    refused = await session.plan_send(prompt, fit=await session.count(prompt))
    assert isinstance(refused, Refused) and refused.offer is None
    assert refused.reason.startswith("Not sent: the request would be")


async def test_fable_reads_opus_reasoning_after_a_switch_so_it_is_sent(session, api, db_path):
    """Fable 5.1 reads Opus 5.5's thinking blocks (the preserved-thinking docs): after a switch they go
    up whole, and the API drops nothing."""
    session.settings = replace(session.settings, model="claude-opus-5-5", thinking="adaptive")
    await session.open_store(db_path)
    api.then(streamed([("thinking", ["Hmm."]), ("text", ["Four."])], pause=0, model="claude-opus-5-5"))
    await run(session, await session.plan_send("2+2?"))
    assert await session.save_options({"model": "claude-fable-5-1"}) is None
    api.then(fixture_reply("docs_basic_text.sse"))
    events = await run(session, await session.plan_send("and 3+3?"))
    assert events[-1].failure is None and not [e for e in events if isinstance(e, Notice)]
    sent = api.requests[-1].body
    assert [b["type"] for b in sent["messages"][1]["content"]] == ["thinking", "text"]
    assert "input_transformations" not in session.store.load_messages(session.conversation_id)[-1].extra


async def test_a_prefix_change_the_app_cannot_see_is_dropped_by_the_api_and_reported(session, api, db_path):
    """An imported history whose thinking was bound to another system prompt, on Fable 5.1 (which checks
    the prefix): the request asks the API to drop failing blocks rather than refuse, and the app says
    what the API reported dropping."""
    model = "claude-fable-5-1"
    session.settings = replace(session.settings, model=model, thinking="adaptive")
    await session.open_store(db_path)
    store = session.store
    conversation = store.create_conversation("imported", model)
    store.add_message(conversation.id, Message(role="user", content=[{"type": "text", "text": "2+2?"}]))
    elsewhere = f"loopback:{model}:prefix={prefix_of({'system': 'Some other system prompt.'})}"
    store.add_message(
        conversation.id,
        Message(
            role="assistant",
            content=[
                {"type": "thinking", "thinking": "Add them.", "signature": elsewhere},
                {"type": "text", "text": "Four."},
            ],
            model=model,
        ),
    )
    await session.open(conversation.id)
    api.then(fixture_reply("docs_basic_text.sse"))
    events = await run(session, await session.plan_send("and 3+3?"))
    closed = events[-1]
    assert isinstance(closed, ReplyClosed) and closed.failure is None, closed.failure
    sent = api.requests[-1]
    assert sent.body["thinking"]["block_binding"] == {"prefix_mismatch_behavior": "drop_block"}
    assert "thinking-binding-controls-2026-08-01" in sent.headers["anthropic-beta"]
    [notice] = [e.text for e in events if isinstance(e, Notice)]
    assert notice.startswith("The API left 1 earlier thinking block out of this request (1 because the")
    stored = store.load_messages(conversation.id)[-1]
    assert stored.extra["input_transformations"] == [
        {"type": "thinking_dropped", "path": "messages.1.content.0", "reason": "prefix_binding_mismatch"}
    ]
