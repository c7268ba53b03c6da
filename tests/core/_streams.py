"""Hand-built Messages API streams for the loopback server: text replies, cut short, slowed down."""

from __future__ import annotations

import json
from collections.abc import Iterable

from claude_textual.core.loopback import DROP, Piece, Reply, sse

__all__ = [
    "DROP",
    "block_stop",
    "finish",
    "message_start",
    "stream_reply",
    "text_block",
    "text_reply",
    "tool_reply",
]


def message_start(msg_id: str = "msg_test_1", model: str = "claude-test", input_tokens: int = 12) -> bytes:
    return sse(
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": model,
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": 1},
            },
        },
    )


def text_block(index: int, pieces: Iterable[str], pause: float = 0.0) -> list[Piece]:
    """content_block_start, one text_delta per piece (each followed by ``pause``), content_block_stop."""
    out: list[Piece] = [
        sse(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
        )
    ]
    for piece in pieces:
        out.append(
            sse(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
        )
        if pause:
            out.append(pause)
    return out


def block_stop(index: int) -> bytes:
    return sse("content_block_stop", {"type": "content_block_stop", "index": index})


def finish(output_tokens: int = 20, stop_reason: str = "end_turn") -> list[bytes]:
    return [
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        ),
        sse("message_stop", {"type": "message_stop"}),
    ]


def text_reply(pieces: Iterable[str], pause: float = 0.0) -> list[Piece]:
    """A complete one-text-block reply."""
    return [message_start(), *text_block(0, pieces, pause), block_stop(0), *finish()]


def stream_reply(pieces: Iterable[Piece]) -> Reply:
    """A 200 event-stream reply (the loopback server frames it as a chunked body, as the API does)."""
    return Reply(200, list(pieces), {"content-type": "text/event-stream; charset=utf-8"})


def tool_reply(*calls: tuple[str, str, dict], text: str = "", pieces: int = 2) -> Reply:
    """A reply asking for tools: optional text, then one tool_use per ``(id, name, input)``, its input
    JSON streamed in ``pieces`` parts; stop_reason ``tool_use``."""
    out: list[Piece] = [message_start(f"msg_{calls[0][0]}")]
    if text:
        out += [*text_block(0, [text]), block_stop(0)]
    for index, (tool_id, name, tool_input) in enumerate(calls, 1 if text else 0):
        out.append(
            sse(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}},
                },
            )
        )
        raw = json.dumps(tool_input)
        step = max(1, -(-len(raw) // pieces))
        for start in range(0, len(raw), step):
            out.append(
                sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": raw[start : start + step]},
                    },
                )
            )
        out.append(block_stop(index))
    return stream_reply([*out, *finish(stop_reason="tool_use")])
