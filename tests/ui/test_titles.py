"""Titles written by a small model after a conversation's first reply: asked in the form that model
accepts (the validating loopback checks it), shown in the list and the header, what it cost counted in
the conversation's totals but not shown as the reply's; a failure, or a rename meanwhile, keeps the title
there is."""

from __future__ import annotations

from dataclasses import replace

from claude_textual.core.loopback import Reply
from claude_textual.core.titles import SYSTEM, TITLE_TOKENS, clean_title
from claude_textual.store.history import History
from claude_textual.ui.widgets.conversation_list import ConversationList
from tests.core._streams import stream_reply, text_reply
from tests.ui.uihelpers import footer, ready, run, send_and_wait, wait_for

SMALL = "claude-haiku-5-5"
PROMPT = "How do I cross the street safely? My town has no traffic lights at all."


def title_reply(text: str, input_tokens: int = 90, output_tokens: int = 7) -> Reply:
    return Reply.json(
        {
            "id": "msg_title",
            "type": "message",
            "role": "assistant",
            "model": SMALL,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    )


def listed_titles(app) -> list[str]:
    listing = app.screen.query_one(ConversationList)
    return [str(listing.get_option_at_index(i).prompt).split("\n")[0] for i in range(listing.option_count)]


async def test_the_small_model_names_the_conversation(api, make_app, settings, db_path):
    api.then(
        stream_reply(text_reply(["Look left, right, then left again."])),
        title_reply('"Crossing streets safely."'),
    )
    app = make_app(settings=replace(settings, title_model=SMALL))
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, PROMPT)
        await wait_for(pilot, lambda: app.screen.sub_title == "Crossing streets safely", what="the header")
        await wait_for(pilot, lambda: listed_titles(app) == ["Crossing streets safely"], what="the list")
        reply = app.screen.query_one("AssistantMessage")
        assert "out 7" not in footer(reply), "the reply's footer shows the reply's own usage"
    [chat, naming] = [r for r in api.requests if r.path.endswith("/v1/messages")]
    body = naming.body
    assert body["model"] == SMALL and body["max_tokens"] == TITLE_TOKENS and not body.get("stream")
    assert body["system"] == SYSTEM and PROMPT in body["messages"][0]["content"][0]["text"]
    assert body.get("thinking") == {"type": "disabled"}  # Haiku 5.5 takes it; a reply of a few words
    history = History(db_path)
    try:
        [conversation] = history.list_conversations()
        assert conversation.title == "Crossing streets safely"
        [prompt, answer] = history.load_messages(conversation.id)
        assert answer.usage is not None and answer.usage.model != SMALL, "the reply keeps its own usage"
        totals = history.usage_totals(conversation.id)
        assert totals.output_tokens == answer.usage.count("output_tokens") + 7, "naming it is counted"
    finally:
        history.close()


async def test_a_failed_title_request_keeps_the_first_prompt(api, make_app, settings, db_path):
    api.then(stream_reply(text_reply(["Carefully."])), Reply.error(529, "overloaded_error", "Overloaded"))
    app = make_app(settings=replace(settings, title_model=SMALL))
    async with run(app) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, PROMPT)
        await wait_for(pilot, lambda: len(api.requests) >= 2, what="the title request")
        await pilot.pause()
        assert app.screen.sub_title == PROMPT[:59].rstrip() + "…"
    history = History(db_path)
    try:
        assert [c.title for c in history.list_conversations()] == [PROMPT[:59].rstrip() + "…"]
    finally:
        history.close()


def test_a_rename_meanwhile_wins_and_titles_are_cleaned(history):
    from claude_textual.core.model import Message, Usage

    conversation = history.create_conversation("first prompt", "m")
    reply = history.add_message(
        conversation.id, Message(role="assistant", content=[{"type": "text", "text": "x"}])
    )
    history.rename(conversation.id, "Mine")
    usage = Usage(raw={"input_tokens": 5, "output_tokens": 2, "purpose": "title"}, model=SMALL)
    assert not history.add_title(reply, usage, "Theirs", "first prompt")
    assert history.get_conversation(conversation.id).title == "Mine"
    assert clean_title('Title: **"Trip plans."**\nmore', 60) == "Trip plans"
    hostile = clean_title("  \n\x1b[2Jbad\x07 title\x1b]52;c;eA==\x07", 60) or ""
    assert "\x1b" not in hostile and "\x07" not in hostile and "bad" in hostile
    assert clean_title("", 60) is None and clean_title("a" * 80, 20) == "a" * 19 + "…"
