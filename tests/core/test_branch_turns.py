"""Retry and edit make branches, through Turn and the real SDK: what the next request carries."""

from __future__ import annotations

from claude_textual.config import Settings
from claude_textual.core.branches import start_edit, start_retry
from claude_textual.core.client import make_client
from claude_textual.core.model import Message, user_text_message
from claude_textual.core.turn import Turn, drain
from tests.conftest import fixture_reply
from tests.core._streams import stream_reply, text_reply


def answer(text: str):
    return stream_reply(text_reply([text]))


def sent(request) -> list[tuple[str, str]]:
    """(role, text) of each turn of a request (tool results as ``<tool_result>``)."""
    return [
        (
            t["role"],
            "".join(
                b.get("text", f"<{b['type']}>")
                for b in t["content"]
                if b["type"] in ("text", "tool_result", "tool_use")
            ),
        )
        for t in api_turns(request)
    ]


def api_turns(request) -> list[dict]:
    return request.body["messages"]


class Chat:
    """One conversation driven turn by turn against the loopback API."""

    def __init__(self, api, history) -> None:
        self.api, self.history = api, history
        self.settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
        self.client = make_client(self.settings, api_key="sk-test", base_url=api.url)
        self.id = history.create_conversation("t", "claude-test").id

    async def turn(self, prompt: str | None, *replies) -> None:
        self.api.then(*replies)
        await drain(
            Turn(self.history, self.id, self.settings, self.client),
            None if prompt is None else user_text_message(prompt),
        )

    def shown(self) -> list[Message]:
        return self.history.load_messages(self.id)

    def texts(self) -> list[str]:
        return [m.text() for m in self.shown()]


async def test_a_retry_is_a_sibling_and_the_old_reply_is_not_sent(api, history):
    chat = Chat(api, history)
    await chat.turn("q1", answer("first try"))
    old = chat.shown()[-1]
    start_retry(history, chat.id, old)
    await chat.turn(None, answer("second try"))
    assert sent(api.requests[1]) == [("user", "q1")]
    new = chat.shown()[-1]
    assert chat.texts() == ["q1", "second try"] and new.parent_id == old.parent_id
    assert history.siblings(new.id) == [old.id, new.id]

    await chat.turn("q2", answer("a2"))
    assert sent(api.requests[2]) == [("user", "q1"), ("assistant", "second try"), ("user", "q2")]

    history.follow(chat.id, old.id)  # switching back restores the old path, and the next request follows it
    assert chat.texts() == ["q1", "first try"]
    await chat.turn("q2 again", answer("a2 again"))
    assert sent(api.requests[3]) == [("user", "q1"), ("assistant", "first try"), ("user", "q2 again")]


async def test_retrying_a_prompt_answers_the_whole_turn_again(api, history):
    chat = Chat(api, history)
    await chat.turn("q1", answer("a1"))
    await chat.turn("q2", answer("a2"))
    prompt = chat.shown()[2]
    start_retry(history, chat.id, prompt)
    await chat.turn(None, answer("a2, again"))
    assert sent(api.requests[2]) == [("user", "q1"), ("assistant", "a1"), ("user", "q2")]
    assert chat.texts() == ["q1", "a1", "q2", "a2, again"]


async def test_an_edit_is_a_sibling_and_the_old_prompt_and_its_reply_are_not_sent(api, history):
    chat = Chat(api, history)
    await chat.turn("q1", answer("a1"))
    await chat.turn("q2", answer("a2"))
    original = chat.shown()[2]
    start_edit(history, chat.id, original)
    await chat.turn("q2, edited", answer("a2 to the edit"))
    assert sent(api.requests[2]) == [("user", "q1"), ("assistant", "a1"), ("user", "q2, edited")]
    edited = chat.shown()[2]
    assert chat.texts() == ["q1", "a1", "q2, edited", "a2 to the edit"]
    assert history.siblings(original.id) == [original.id, edited.id]

    history.follow(chat.id, original.id)
    assert chat.texts() == ["q1", "a1", "q2", "a2"]
    await chat.turn("q3", answer("a3"))
    assert sent(api.requests[3]) == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q2"),
        ("assistant", "a2"),
        ("user", "q3"),
    ]


async def test_editing_the_first_prompt_starts_a_second_root(api, history):
    chat = Chat(api, history)
    await chat.turn("q1", answer("a1"))
    first = chat.shown()[0]
    start_edit(history, chat.id, first)
    await chat.turn("q1, edited", answer("a1 edited"))
    assert sent(api.requests[1]) == [("user", "q1, edited")]
    assert history.siblings(first.id)[0] == first.id and len(history.siblings(first.id)) == 2


async def test_retrying_the_reply_after_tool_results_sends_the_same_results(api, history):
    """In a tool loop a reply is asked again after the same tool results: no tool call is repeated."""
    chat = Chat(api, history)
    await chat.turn(
        "Use the tool.",
        fixture_reply("real_thinking_tool_use_turn1.sse"),
        fixture_reply("real_thinking_tool_use_turn2.sse"),
    )
    prompt, tool_call, results, final = chat.shown()
    start_retry(history, chat.id, final)
    await chat.turn(None, answer("another ending"))
    assert api_turns(api.requests[2]) == api_turns(api.requests[1])
    assert [m.id for m in chat.shown()[:3]] == [prompt.id, tool_call.id, results.id]
    assert chat.texts()[-1] == "another ending" and history.siblings(final.id)[0] == final.id
