"""What the Messages API accepts as ``messages``, checked structurally."""

from __future__ import annotations

from typing import Any


def assert_api_accepts(messages: list[dict[str, Any]]) -> None:
    """The Messages API's structural rules for ``messages``: alternating roles from a user turn, no empty
    turn, and every tool_use answered by a tool_result at the start of the very next (user) turn."""
    assert messages and messages[0]["role"] == "user"
    for i, turn in enumerate(messages):
        assert turn["content"], f"turn {i} is empty"
        if i:
            assert turn["role"] != messages[i - 1]["role"], f"turns {i - 1} and {i} have the same role"
        calls = [b["id"] for b in turn["content"] if b["type"] == "tool_use"]
        if turn["role"] == "assistant" and calls:
            assert i + 1 < len(messages), f"turn {i} ends the request with unanswered tool calls {calls}"
            answer = messages[i + 1]["content"]
            results = [b["tool_use_id"] for b in answer[: len(calls)] if b["type"] == "tool_result"]
            assert sorted(results) == sorted(calls), f"turn {i}: tool calls {calls} answered by {results}"
