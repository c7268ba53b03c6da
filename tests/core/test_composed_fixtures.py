"""Today's response shapes (tests/fixtures, composed from the documented events) replayed through the
real SDK: each lands in the store exactly as the SDK's own accumulator builds it, and on screen the
text written between tool calls is shown open as progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.loopback import Reply
from claude_textual.core.model import Status, user_text_message
from claude_textual.core.turn import ReplyClosed, Turn

COMPOSED = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTED = {
    "composed_progress_between_tool_calls.sse": ["thinking", "tool_use", "thinking", "tool_use"],
    "composed_between_tools.sse": ["tool_use", "thinking", "tool_use"],
    "composed_display_summarized.sse": ["thinking", "text"],
    "composed_context_edited.sse": ["thinking", "text"],
}


def composed(name: str) -> Reply:
    return Reply(200, [(COMPOSED / name).read_bytes()], {"content-type": "text/event-stream"})


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_composed_stream_lands_in_the_store_exactly(api, history, name):
    settings = Settings(model="claude-sonnet-5-5", max_retries=0)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    api.then(composed(name))
    async with client.messages.stream(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}]
    ) as s:
        expected = (await s.get_final_message()).to_dict(mode="json")
    api.then(composed(name))
    conversation = history.create_conversation("t", settings.model)
    async for event in Turn(history, conversation.id, settings, client).run(user_text_message("go")):
        if isinstance(event, ReplyClosed):
            break
    reply = history.load_messages(conversation.id)[1]
    assert [b["type"] for b in reply.content] == EXPECTED[name]
    assert reply.content == expected["content"] and reply.status is Status.COMPLETE
    assert reply.usage.raw == expected["usage"] and reply.stop_reason == expected["stop_reason"]
    thinking = [b for b in reply.content if b["type"] == "thinking"]
    assert all(b["thinking"] and b["signature"] for b in thinking)  # text to show, signature to send back


async def test_a_beta_stream_lands_with_what_the_api_did_to_the_input(api, history):
    """A Fable 5.1 request goes through the beta API (it asks for failing thinking to be dropped); the
    reply's ``context_management`` and ``input_transformations`` land in the store as the SDK's beta
    accumulator builds them, and are said."""
    from claude_textual.core.turn import Notice

    name = "composed_context_edited.sse"
    settings = Settings(model="claude-fable-5-1", max_retries=0, thinking="adaptive", title_model="")
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    api.then(composed(name))
    async with client.beta.messages.stream(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}], betas=["x"]
    ) as s:
        expected = (await s.get_final_message()).to_dict(mode="json")
    api.then(composed(name))
    conversation = history.create_conversation("t", settings.model)
    notices = []
    async for event in Turn(history, conversation.id, settings, client).run(user_text_message("go")):
        if isinstance(event, Notice):
            notices.append(event.text)
        if isinstance(event, ReplyClosed):
            break
    assert "thinking-binding-controls-2026-08-01" in api.requests[-1].headers["anthropic-beta"]
    reply = history.load_messages(conversation.id)[1]
    assert reply.content == expected["content"] and reply.usage.raw == expected["usage"]
    assert reply.extra["context_management"] == expected["context_management"]
    assert reply.extra["input_transformations"] == expected["input_transformations"]
    assert notices == [
        "The API left 1 earlier thinking block out of this request (1 because the conversation before them "
        "changed since they were written); the reply was written without that reasoning. The history keeps it.",
        "Context editing: the API cleared the thinking of 2 earlier turns and 4 old tool results (24,440 "
        "tokens) from this request to keep it within the window. The history keeps them.",
    ]


async def test_progress_streams_open_between_tool_calls_on_screen(api, make_app):
    from claude_textual.ui.widgets.blocks import ThinkingView
    from tests.ui.uihelpers import assistants, panel_body, ready, run, send, wait_for

    api.then(
        composed("composed_progress_between_tool_calls.sse"), composed("composed_display_summarized.sse")
    )
    app = make_app(settings=Settings(model="claude-sonnet-5-5", max_retries=0, title_model=""))
    async with run(app) as pilot:
        await ready(pilot)
        await send(pilot, "compare a.txt and b.txt")
        reply = (await wait_for(pilot, lambda: assistants(app), what="the reply"))[0]
        views = await wait_for(
            pilot,
            lambda: (
                [v for v in reply.query(ThinkingView)]
                if not reply.streaming and len(reply.query(ThinkingView)) == 2
                else None
            ),
            what="settled",
        )
        first, progress = views
        assert first.collapsed and not first.between
        assert (
            progress.between and not progress.collapsed and panel_body(progress) == "a.txt read; now b.txt."
        )
    body = api.requests[0].body
    assert body["thinking"] == {"type": "adaptive", "display": "summarized"}
