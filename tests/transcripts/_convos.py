"""Conversations for the transcript tests: a real web search reply, and one with every other block type."""

from __future__ import annotations

from datetime import UTC, datetime

from claude_textual.config import Settings
from claude_textual.core.client import make_client
from claude_textual.core.model import Conversation, Message, Status, Usage, user_text_message
from claude_textual.core.turn import Turn, drain
from claude_textual.store.history import History
from tests.conftest import fixture_reply

HOSTILE = "copy \x1b]52;c;cm0gLXJmIH4vKg==\x07 and \u202egnp.exe\x9b2J"
SCRIPT = "<script>alert(1)</script>"
FENCED = "Here is code:\n\n```python\nprint('hi')\n```\n\nand a longer ```` run"

TOOL_INPUT = {"city": f"Paris {SCRIPT}", "note": "has ``` inside"}
CITED = [
    {
        "type": "web_search_result_location",
        "url": "javascript:alert(1)",
        "title": f"Evil {SCRIPT}",
        "cited_text": f"quoted {SCRIPT}",
        "encrypted_index": "x",
    },
    {
        "type": "web_search_result_location",
        "url": 'https://ok.example/a?b=1&c="x"',
        "title": "Fine <b>page</b>",
        "cited_text": "fine quote",
        "encrypted_index": "y",
    },
]
FUTURE = {"type": "future_block", "payload": {"a": [1, 2]}, "note": SCRIPT}
FETCH = {
    "type": "web_fetch_tool_result",
    "tool_use_id": "srvtoolu_f",
    "content": {"type": "web_fetch_result", "url": "https://ok.example/doc", "content": {"type": "document"}},
}
SEARCH_ERROR = {
    "type": "web_search_tool_result",
    "tool_use_id": "srvtoolu_e",
    "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
}


async def web_search_conversation(api, history: History) -> Conversation:
    """The recorded web search reply (thinking, server tools, results, cited text) through a real Turn."""
    settings = Settings(model="claude-test", max_retries=0, timeout=20.0, thinking="off")
    api.then(fixture_reply("real_web_search_citations.sse"))
    conversation = history.create_conversation("Weather in SF", settings.model)
    client = make_client(settings, api_key="sk-test", base_url=api.url)
    await drain(Turn(history, conversation.id, settings, client), user_text_message("Weather in SF today?"))
    return history.get_conversation(conversation.id)


def usage(
    inp: int, out: int, *, read: int = 0, write: int = 0, duration: int = 1500, searches: int = 0
) -> Usage:
    raw = {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
        "service_tier": "standard",
    }
    if searches:
        raw["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 0}
    return Usage(
        raw=raw,
        request_id=f"req_{inp}",
        model="claude-hand",
        ttft_ms=200,
        duration_ms=duration,
        created_at=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )


def hand_built(history: History) -> Conversation:
    """Every other block type, the statuses that are not 'complete', and hostile text."""
    conversation = history.create_conversation(
        f"Everything {SCRIPT} {HOSTILE}", "claude-hand", system=f"Be brief. {SCRIPT}"
    )
    cid = conversation.id

    def add(message: Message, use: Usage | None = None) -> None:
        stored = history.add_message(cid, message)
        if use is not None:
            history.add_usage(stored, use)

    add(user_text_message(f"Hello {SCRIPT} {HOSTILE}\n\n{FENCED}"))
    add(
        Message(
            role="assistant",
            model="claude-hand",
            stop_reason="tool_use",
            api_id="msg_1",
            extra={
                "stop_sequence": None,
                "container": {"id": "c1"},
                "attempts": [{"attempt": 1, "error": "overloaded (529)"}, {"attempt": 2}],
            },
            content=[
                {"type": "thinking", "thinking": f"Let me think {SCRIPT}</details> done", "signature": "sig"},
                {"type": "redacted_thinking", "data": "ENCRYPTED" * 10},
                {"type": "text", "text": "Checking the weather."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": TOOL_INPUT},
            ],
        ),
        usage(100, 50, read=1000, write=20),
    )
    add(
        Message(
            role="user",
            content=[
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": f"Sunny {SCRIPT}"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "is_error": True,
                    "content": [
                        {"type": "text", "text": "second try failed"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0"},
                        },
                    ],
                },
            ],
        )
    )
    add(
        Message(
            role="assistant",
            model="claude-hand",
            stop_reason="end_turn",
            content=[
                FUTURE,
                {
                    "type": "server_tool_use",
                    "id": "srvtoolu_f",
                    "name": "web_fetch",
                    "input": {"url": "https://ok.example/doc"},
                },
                FETCH,
                SEARCH_ERROR,
                {"type": "text", "text": "It is sunny", "citations": CITED},
                {
                    "type": "text",
                    "text": " [see](javascript:alert(2)) and <img src=x onerror=alert(3)> **bold**.",
                },
            ],
        ),
        usage(200, 60, duration=2500, searches=1),
    )
    add(
        Message(
            role="assistant",
            model="claude-hand",
            status=Status.INTERRUPTED,
            error="Stopped by you.",
            content=[{"type": "text", "text": "Partial ans"}],
        )
    )
    add(
        Message(
            role="assistant",
            model="claude-hand",
            status=Status.ERROR,
            error=f"overloaded_error: {SCRIPT}",
            content=[],
        ),
        usage(10, 0, duration=300),
    )
    return history.get_conversation(cid)


def load(history: History, conversation: Conversation) -> tuple[Conversation, list[Message]]:
    return history.get_conversation(conversation.id), history.load_messages(conversation.id)
