"""Prompt caching: where a request asks the API to cache, by the ``cache`` setting.

The moving end of the conversation is cached with the API's top-level ``cache_control`` (the API puts
the breakpoint on the last cacheable block, and finds the previous turn's entry by looking back from
it). The part that does not change between turns, the tools and the system prompt, gets an explicit
breakpoint when it is long enough to be cached at all, so a new conversation with the same system
prompt, or this one taken up again after a pause, still reads it from the cache.

The TTLs, by policy (``bench/cost.py`` measured them; the README has the table):

- ``auto``: the tools and system prompt for an hour; the moving end for 5 minutes while the user answers
  within a few minutes, for an hour once their recent pauses were longer (a 5-minute entry would be gone
  by the next turn, and rewriting the whole conversation costs more than a 1-hour write's premium);
  nothing at all once most pauses outlive an hour too (a write nobody reads costs more than no cache),
  unless our own tools are in play (their rounds read each other's 5-minute entries).
- ``5m`` / ``1h``: every breakpoint with that TTL. ``off``: no ``cache_control`` at all.

Never more than the API's four breakpoints (this places two), and a 1-hour breakpoint never after a
5-minute one (the API refuses that order).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from claude_textual.core.catalogue import builtin_choice
from claude_textual.core.model import Message

MAX_BREAKPOINTS = 4
FIVE_MINUTES = 300.0
SLOW = FIVE_MINUTES * 0.9
"""A pause between prompts longer than this outlives a 5-minute entry (written when the previous
request started, before its reply streamed)."""
AN_HOUR = 3600.0 * 0.9
PACE = 3
"""How many recent pauses decide the TTLs under ``auto``."""

_MINIMUM = {
    "claude-opus-4-6": 4096,
    "claude-opus-4-5": 4096,
    "claude-haiku-4-5": 4096,
    "claude-opus-4-7": 2048,
}
DEFAULT_MINIMUM = 1024
"""Tokens a prefix needs before the API caches it, by model (the prompt caching page); 1,024 for the
rest. A shorter prefix is not an error, just not cached: the explicit breakpoint is not spent on it."""


def minimum_tokens(model: str) -> int:
    choice = builtin_choice(model)
    return _MINIMUM.get(choice.id if choice else model, DEFAULT_MINIMUM)


def estimate_tokens(value: Any) -> int:
    """About four characters a token (the request is never sent to be counted just for this)."""
    return len(value if isinstance(value, str) else json.dumps(value)) // 4


def prompt_times(history: Sequence[Message]) -> list[datetime]:
    """When each prompt the user typed was sent (tool results left out), first to last."""
    return [
        m.created_at
        for m in history
        if m.role == "user" and not any(b.get("type") == "tool_result" for b in m.content)
    ]


def ttls(policy: str, prompts: Sequence[datetime], client_tools: bool = False) -> tuple[str, str] | None:
    """The TTLs of the stable part and of the moving end, or None for no caching at all.

    Under ``auto`` the last few pauses between prompts decide: all within a 5-minute entry's life, 5
    minutes for the moving end; most within the hour, an hour; most longer than that, nothing would be
    read again, so only a conversation with tools of ours (whose rounds follow each other at once) is
    cached, for 5 minutes, and a plain chat not at all."""
    if policy != "auto":
        return (policy, policy) if policy in ("5m", "1h") else None
    pauses = [(b - a).total_seconds() for a, b in zip(prompts, prompts[1:], strict=False)][-PACE:]
    if not pauses or max(pauses) <= SLOW:
        return "1h", "5m"
    if statistics.median(pauses) <= AN_HOUR:
        return "1h", "1h"
    return ("5m", "5m") if client_tools else None


def _mark(ttl: str) -> dict[str, str]:
    return {"type": "ephemeral", "ttl": ttl}


def with_caching(params: dict[str, Any], policy: str, prompts: Sequence[datetime] = ()) -> dict[str, Any]:
    """``params`` (as ``build_params`` and the tools made them) with the breakpoints ``policy`` places."""
    tools, system = params.get("tools") or [], params.get("system")
    chosen = ttls(policy, prompts, any(t.get("type") in (None, "custom") for t in tools))
    if chosen is None:
        return params
    stable_ttl, moving = chosen
    if estimate_tokens(tools) + estimate_tokens(system or "") >= minimum_tokens(params["model"]):
        if isinstance(system, str) and system:
            params["system"] = [{"type": "text", "text": system, "cache_control": _mark(stable_ttl)}]
        elif isinstance(system, list) and system:
            params["system"] = [*system[:-1], {**system[-1], "cache_control": _mark(stable_ttl)}]
        elif tools:
            params["tools"] = [*tools[:-1], {**tools[-1], "cache_control": _mark(stable_ttl)}]
    params["cache_control"] = _mark(moving)
    return params
