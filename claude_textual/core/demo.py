"""The offline demo: a scripted Claude on the loopback server, streaming thinking, Markdown and a tool call;
it lists models (the demo's and the built-in ones) and counts tokens roughly."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from claude_textual.core.catalogue import BUILTIN
from claude_textual.core.loopback import LoopbackServer, Piece, Reply, model_info, sse
from claude_textual.core.prompt_cache import PromptCache

DEMO_MODEL = "claude-demo"
DEMO_MODELS = [model_info(DEMO_MODEL, "Offline demo (not Claude)", 200_000)] + [
    model_info(choice.id, choice.name, choice.context_window or 200_000, caps=choice.caps)
    for choice in BUILTIN
]
_ids = itertools.count(1)


def _pieces(text: str, size: int = 3) -> Iterator[str]:
    """Split text into groups of ``size`` words, keeping the spaces, like a token stream."""
    words = re.findall(r"\S+\s*|\s+", text)
    for i in range(0, len(words), size):
        yield "".join(words[i : i + size])


def _last_user_text(body: dict[str, Any]) -> tuple[str, bool]:
    """The last user turn's text, and whether it carries tool results."""
    for turn in reversed(body.get("messages", [])):
        if turn.get("role") != "user":
            continue
        content = turn.get("content")
        if isinstance(content, str):
            return content, False
        texts = [b.get("text", "") for b in content if b.get("type") == "text"]
        has_results = any(b.get("type") == "tool_result" for b in content)
        return " ".join(texts), has_results
    return "", False


def script_events(blocks: list[dict[str, Any]], stop_reason: str, input_tokens: int) -> Iterator[Piece]:
    """A full Messages API stream for ``blocks`` (each ``{"type", "stream": text}``), with pauses."""
    n = next(_ids)
    yield sse(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": f"msg_demo_{n:04d}",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": DEMO_MODEL,
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": 1},
            },
        },
    )
    output = 1
    for index, block in enumerate(blocks):
        kind = block["type"]
        start: dict[str, Any] = {"type": kind}
        if kind == "thinking":
            start.update(thinking="", signature="")
            delta_type, field = "thinking_delta", "thinking"
        elif kind == "tool_use":
            start.update(id=f"toolu_demo_{n:04d}", name=block["name"], input={})
            delta_type, field = "input_json_delta", "partial_json"
        else:
            start.update(text="")
            delta_type, field = "text_delta", "text"
        yield sse(
            "content_block_start", {"type": "content_block_start", "index": index, "content_block": start}
        )
        for piece in _pieces(block["stream"]):
            output += 1
            yield sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": {"type": delta_type, field: piece}},
            )
            yield 0.03
        if kind == "thinking":
            yield sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": f"demo-sig-{n}"},
                },
            )
        yield sse("content_block_stop", {"type": "content_block_stop", "index": index})
    yield sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": output},
        },
    )
    yield sse("message_stop", {"type": "message_stop"})


def _first_turn(prompt: str) -> list[dict[str, Any]]:
    quoted = prompt.strip().replace("\n", " ")[:80] or "(empty prompt)"
    return [
        {
            "type": "thinking",
            "stream": (
                f"The user wrote: “{quoted}”. This is the offline demo, so no real model is answering. "
                "I should show every panel: this thinking, a Markdown reply, and a tool call with streaming JSON."
            ),
        },
        {
            "type": "text",
            "stream": (
                "## Offline demo\n\nThis reply comes from the **built-in demo backend**, not from Claude. "
                "It streams through the real `anthropic` SDK over a loopback HTTP server, so everything "
                "you see here works the same with a real API key:\n\n"
                "- extended **thinking** in its own collapsible panel,\n"
                "- Markdown text like this, with `code` and lists,\n"
                "- a **tool call** whose JSON input streams in below.\n\n"
                "```python\nimport anthropic\nclient = anthropic.AsyncAnthropic()  # reads ANTHROPIC_API_KEY\n```\n\n"
                "Set `ANTHROPIC_API_KEY` and restart to talk to Claude. Now let me call a tool:"
            ),
        },
        {
            "type": "tool_use",
            "name": "get_weather",
            "stream": json.dumps({"location": "San Francisco, CA", "unit": "celsius", "prompt": quoted}),
        },
    ]


_AFTER_TOOL = [
    {
        "type": "text",
        "stream": (
            "The tool result came back: no MCP server configured here offers `get_weather`, so the client "
            "answered with an error result, and the conversation carried on — the request I just received held my "
            "thinking (with its signature), the tool call and that result, exactly as the API expects.\n\n"
            "Try **Esc** while a reply streams to stop it, **Ctrl+N** for a new conversation, "
            "and `claude-textual export --last --format json` to see what was saved."
        ),
    },
]


def demo_responder(body: dict[str, Any]) -> Reply:
    prompt, after_tool = _last_user_text(body)
    input_tokens = sum(len(json.dumps(m)) // 4 for m in body.get("messages", []))
    if after_tool:
        events = script_events(_AFTER_TOOL, "end_turn", input_tokens)
    else:
        events = script_events(_first_turn(prompt), "tool_use", input_tokens)
    return Reply(200, events, {"content-type": "text/event-stream; charset=utf-8"})


def start_demo_server() -> LoopbackServer:
    """The demo's server; it keeps a prompt cache, so the demo shows cache reads and their savings."""
    return LoopbackServer(demo_responder, models=DEMO_MODELS, cache=PromptCache()).start()
