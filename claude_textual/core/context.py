"""The context meter (tokens used against the model's window), the count before a very large prompt,
and context editing: the API clearing old tool results and thinking from a request near the window."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

COUNT_ABOVE_BYTES = 100_000
"""A prompt larger than this is counted (``messages.count_tokens``) before it is sent…"""
COUNT_ABOVE_SHARE = 0.25
"""…and so is one estimated at more than this share of the context window…"""
COUNT_NEAR_FULL = 0.8
"""…and any prompt once the conversation with it is estimated past this share of the window."""

_COUNTED = (
    "model",
    "messages",
    "system",
    "thinking",
    "tools",
    "tool_choice",
    "output_config",
    "context_management",
    "betas",
)
"""The request parameters ``count_tokens`` takes (it takes no ``max_tokens``)."""

CONTEXT_BETA = "context-management-2025-06-27"
CLEAR_FROM_SHARE = 0.6
"""Context editing clears once a request's input passes this share of the window…"""
KEEP_TOOL_USES = 3
"""…keeping the latest tool calls and results whole, and the last turn's thinking."""


def with_context_editing(params: dict[str, Any], edits: frozenset[str], window: int) -> dict[str, Any]:
    """``params`` asking the API to clear old tool results (and earlier turns' thinking, when this
    request thinks) once its input passes ``CLEAR_FROM_SHARE`` of ``window``, by the strategies of
    ``edits`` the model supports; unchanged when it supports none. The history is not changed."""
    chosen: list[dict[str, Any]] = []
    thinking = (params.get("thinking") or {}).get("type")
    if "clear_thinking_20251015" in edits and thinking in ("adaptive", "enabled"):
        chosen.append({"type": "clear_thinking_20251015", "keep": {"type": "thinking_turns", "value": 1}})
    if "clear_tool_uses_20250919" in edits:
        chosen.append(
            {
                "type": "clear_tool_uses_20250919",
                "trigger": {"type": "input_tokens", "value": int(window * CLEAR_FROM_SHARE)},
                "keep": {"type": "tool_uses", "value": KEEP_TOOL_USES},
            }
        )
    if not chosen:
        return params
    return {
        **params,
        "context_management": {"edits": chosen},
        "betas": [*params.get("betas", []), CONTEXT_BETA],
    }


def edits_note(context_management: Mapping[str, Any] | None) -> str:
    """What the API says it cleared (a reply's ``context_management``), in a sentence; empty: nothing."""
    parts = []
    tokens = 0
    for edit in (context_management or {}).get("applied_edits") or []:
        tokens += int(edit.get("cleared_input_tokens") or 0)
        if edit.get("type") == "clear_tool_uses_20250919" and edit.get("cleared_tool_uses"):
            n = int(edit["cleared_tool_uses"])
            parts.append(f"{n} old tool result{'s' if n != 1 else ''}")
        elif edit.get("type") == "clear_thinking_20251015" and edit.get("cleared_thinking_turns"):
            n = int(edit["cleared_thinking_turns"])
            parts.append(f"the thinking of {n} earlier turn{'s' if n != 1 else ''}")
    if not parts:
        return ""
    return (
        f"Context editing: the API cleared {' and '.join(parts)} ({tokens:,} tokens) from this request to "
        "keep it within the window. The history keeps them."
    )


def used_tokens(usage: Mapping[str, Any]) -> int:
    """What the last reply's request and answer take of the window: input, cache reads and writes, output."""
    keys = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens")
    return sum(int(usage.get(key) or 0) for key in keys)


def short(count: int) -> str:
    """``950`` -> ``950``, ``12_300`` -> ``12.3k``, ``200_000`` -> ``200k``, ``1_000_000`` -> ``1M``."""
    for size, unit in ((1_000_000, "M"), (1000, "k")):
        if count >= size:
            return f"{count / size:.1f}".removesuffix(".0") + unit
    return str(count)


def meter(used: int, window: int) -> str:
    """``ctx 12.3k/200k 6%``"""
    return f"ctx {short(used)}/{short(window)} {round(100 * used / window) if window else 0}%"


def worth_counting(prompt: str, used: int, window: int, extra: int = 0) -> bool:
    """Whether ``prompt`` (with ``extra`` tokens of attachments) is large enough, or the conversation
    full enough, to count before sending."""
    size = len(prompt.encode("utf-8", "replace")) + extra * 4
    estimate = size // 4
    return (
        size > COUNT_ABOVE_BYTES
        or estimate > window * COUNT_ABOVE_SHARE
        or used + estimate > window * COUNT_NEAR_FULL
    )


@dataclass(frozen=True)
class Fit:
    """Whether the request fits the window; ``note`` says what to tell the user (empty: nothing)."""

    fits: bool
    note: str = ""
    input_tokens: int | None = None


async def check_fit(connect: Callable[[], Awaitable[Any]], params: dict[str, Any], window: int) -> Fit:
    """Count the request ``params`` (as ``build_params`` made it), through the client ``connect`` makes,
    and compare it with ``window``.

    It fits when its input and ``max_tokens`` together fit the window. When counting fails the request
    is taken to fit, with a note saying it was not counted.
    """
    request = {key: params[key] for key in _COUNTED if key in params}
    tools = request.pop("tools", [])
    client_tools = [t for t in tools if "input_schema" in t]  # count_tokens refuses server tools
    if client_tools:
        request["tools"] = client_tools
    left_out = (
        " (The count leaves out the server tools, which count_tokens does not take.)"
        if len(client_tools) < len(tools)
        else ""
    )
    try:
        client = await connect()
        api = client.beta.messages if "betas" in request else client.messages
        counted = (await api.count_tokens(**request)).input_tokens
    except Exception as exc:
        from claude_textual.core.client import describe_error

        return Fit(
            True, f"Could not count the prompt's tokens first, so it was sent anyway: {describe_error(exc)}"
        )
    max_tokens = int(params.get("max_tokens") or 0)
    if counted + max_tokens > window:
        return Fit(
            False,
            (
                f"Not sent: the request would be {counted:,} tokens, and with max_tokens {max_tokens:,} that is more "
                f"than the context window of {params.get('model')} ({window:,}). Shorten the prompt, start a new "
                "conversation (Ctrl+N) or lower max_tokens (Ctrl+O). Your prompt is still in the box."
                + left_out
            ),
            counted,
        )
    return Fit(True, left_out.strip(), counted)
