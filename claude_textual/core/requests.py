"""Stored history -> the next Messages API request, with assistant blocks sent back unchanged.

Only what the API would reject is mended: empty text blocks, thinking that never got its signature
(a reply cut short), tool calls left without a result, and two turns of one role in a row. The
history is the current branch only (``History.load_messages``): a reply a retry replaced, or a prompt
an edit replaced, is a sibling on another branch and is never in it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from claude_textual.config import Settings
from claude_textual.core.binding import reads
from claude_textual.core.capabilities import Capabilities, Fitted, fit
from claude_textual.core.catalogue import builtin_choice
from claude_textual.core.model import Block, Message

# Fields the API adds to response blocks that it does not take back in a request, and breakpoints an
# imported transcript may carry (``core/caching.py`` places the request's own).
_RESPONSE_ONLY = {"caller", "parsed_output", "cache_control"}

SERVER_TOOLS = {
    "web_search": {"type": "web_search_20250305", "name": "web_search"},
    "web_fetch": {"type": "web_fetch_20250910", "name": "web_fetch"},
    "code_execution": {"type": "code_execution_20250825", "name": "code_execution"},
}
"""The API-run tools a conversation can switch on (setting name -> tool definition). These versions are
in the SDK's generally available ``ToolUnionParam``: no beta header."""

UNAVAILABLE = (
    "No tool server configured here offers the tool {name!r}, so it could not be run "
    "(tools come from the MCP servers in config.toml)."
)
NOT_RUN = "The reply was interrupted before the tool {name!r} could run."


def request_block(block: Block) -> Block | None:
    """A stored block as it goes back to the API, or None when the API would reject it."""
    kind = block.get("type")
    if kind == "text" and not block.get("text"):
        return None
    if kind == "thinking" and not block.get("signature"):
        return None
    sent = {k: v for k, v in block.items() if v is not None and k not in _RESPONSE_ONLY}
    if kind == "text" and "citations" in sent:
        # imported transcripts may hold web citations without the index the API needs back
        citations = [
            c
            for c in sent["citations"]
            if c.get("type") != "web_search_result_location" or c.get("encrypted_index")
        ]
        if citations:
            sent["citations"] = citations
        else:
            del sent["citations"]
    return sent


def tool_result(tool_use: Block, text: str, *, is_error: bool) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": text}
    if is_error:
        block["is_error"] = True
    return block


def unavailable_results(message: Message) -> list[Block]:
    """Error tool_results for every tool call in ``message`` (when no tool server is configured)."""
    return [
        tool_result(b, UNAVAILABLE.format(name=b.get("name")), is_error=True)
        for b in message.content
        if b.get("type") == "tool_use"
    ]


THINKING = ("thinking", "redacted_thinking")


def other_model(writer: str | None, model: str) -> bool:
    """``writer`` and ``model`` are two different models of the built-in table and ``model`` cannot read
    ``writer``'s thinking (``core/binding.py``; an alias and its dated id are one; a model nobody knows,
    behind a gateway say, is taken to be the same: the API decides)."""
    if not writer:
        return False
    known, target = builtin_choice(writer), builtin_choice(model)
    return (
        known is not None and target is not None and known.id != target.id and not reads(target.id, known.id)
    )


def foreign_reasoning(history: list[Message], model: str) -> list[str]:
    """The other models whose thinking blocks stand in ``history`` and ``model`` cannot read: the API
    would drop them, so they are not sent."""
    writers = {
        str(m.model)
        for m in history
        if m.role == "assistant"
        and other_model(m.model, model)
        and any(b.get("type") in THINKING for b in m.content)
    }
    return sorted(writers)


def _without_marks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_marks(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_without_marks(v) for v in value]
    return value


def prefix_digest(params: dict[str, Any]) -> str:
    """What a reply's thinking is bound to besides the messages before it: the system prompt and the
    tools of the request that produced it (``cache_control`` left out, as the API leaves it out)."""
    shape = {
        "system": _without_marks(params.get("system") or ""),
        "tools": _without_marks(params.get("tools") or []),
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def _other_prefix(message: Message, prefix: str | None) -> bool:
    produced = message.extra.get("prefix")
    return prefix is not None and isinstance(produced, str) and produced != prefix


def stale_reasoning(history: list[Message], prefix: str) -> bool:
    """Thinking blocks in ``history`` were produced under another system prompt or other tools: the
    API refuses them (or drops them) once the prefix they were bound to has changed."""
    return any(
        m.role == "assistant"
        and _other_prefix(m, prefix)
        and any(b.get("type") in THINKING for b in m.content)
        for m in history
    )


def build_messages(
    history: list[Message], model: str | None = None, prefix: str | None = None
) -> list[dict[str, Any]]:
    """The ``messages`` parameter for a conversation's stored history; with ``model``, thinking blocks
    another model wrote are left out, and with ``prefix`` (``prefix_digest``) those produced under
    another system prompt or other tools."""
    turns: list[dict[str, Any]] = []
    pending: list[Block] = []  # tool calls of the last assistant turn still owed a result
    for message in history:
        blocks = [b for b in map(request_block, message.content) if b is not None]
        if message.role == "assistant" and (
            (model and other_model(message.model, model)) or _other_prefix(message, prefix)
        ):
            blocks = [b for b in blocks if b.get("type") not in THINKING]
        if message.role == "user":
            answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            owed = [
                tool_result(t, NOT_RUN.format(name=t.get("name")), is_error=True)
                for t in pending
                if t["id"] not in answered
            ]
            blocks = owed + blocks
            pending = []
        else:  # consecutive assistant messages merge into one turn, so their tool calls add up
            blocks = [b for b in blocks if b.get("type") != "tool_result"]  # only users send results
            pending += [b for b in blocks if b.get("type") == "tool_use"]
        if not blocks:
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": message.role, "content": blocks})
    if turns and turns[-1]["role"] == "assistant" and pending:
        turns.pop()  # a trailing tool call with no answer cannot be sent; drop that turn
    return turns


def fit_settings(settings: Settings, caps: Capabilities | None) -> Fitted:
    """The conversation's wishes in the form the model accepts (see ``core/capabilities.py``)."""
    tools = tuple(key for key in SERVER_TOOLS if getattr(settings, key))
    return fit(
        model=settings.model,
        caps=caps,
        thinking=settings.thinking,
        budget=settings.thinking_budget,
        display=settings.thinking_display,
        effort=settings.effort,
        max_tokens=settings.max_tokens,
        tools=tools,
    )


def build_params(
    history: list[Message],
    settings: Settings,
    *,
    model: str | None = None,
    system: str | None = None,
    caps: Capabilities | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``client.messages.stream`` from history and settings, in the form the model
    accepts when its capabilities ``caps`` are known (as asked otherwise)."""
    fitted = fit_settings(settings, caps)
    params: dict[str, Any] = {
        "model": model or settings.model,
        "max_tokens": fitted.max_tokens,
        "messages": build_messages(history, model or settings.model),
    }
    system = settings.system if system is None else system
    if system:
        params["system"] = system
    thinking = fitted.thinking
    if thinking is not None:
        params["thinking"] = thinking
        if thinking["type"] == "enabled" and params["max_tokens"] <= thinking["budget_tokens"]:
            params["max_tokens"] = thinking["budget_tokens"] + 1024
    if fitted.effort:
        params["output_config"] = {"effort": fitted.effort}
    tools = [dict(SERVER_TOOLS[key]) for key in fitted.tools]
    if tools:
        params["tools"] = tools
    return params
