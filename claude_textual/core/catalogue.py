"""The model catalogue: ``models.list()`` cached on disk for a day, a built-in list when it cannot be had,
and for each model its context window, output limit, capabilities and lifecycle (``ModelInfo``, else
the built-in table)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_textual.config import write_private
from claude_textual.core.capabilities import CLEARING, EFFORTS, Capabilities

CACHE_TTL = 24 * 3600.0
"""Seconds a fetched list is used before ``models.list()`` is asked again."""

DEFAULT_CONTEXT_WINDOW = 200_000
"""The context window of a model nobody told us about (every current Claude model's standard window)."""


@dataclass(frozen=True)
class ModelChoice:
    id: str
    name: str
    context_window: int | None = None
    caps: Capabilities | None = None
    """What it accepts (None: unknown, so requests go as the user asked)."""
    lifecycle: str = "active"
    """``active``, ``deprecated`` or ``retired``."""
    retires_at: str | None = None
    """When it is (or was) retired, an ISO date, if one is set."""


_ALL = frozenset(EFFORTS)


def _builtin(
    model_id: str,
    name: str,
    thinking: str,
    efforts: frozenset[str],
    window: int,
    output: int,
    **lifecycle: str,
) -> ModelChoice:
    caps = Capabilities(frozenset(thinking.split()), efforts, output, context_edits=frozenset(CLEARING))
    return ModelChoice(model_id, name, window, caps, **lifecycle)


BUILTIN = (
    _builtin("claude-sonnet-5-5", "Claude Sonnet 5.5", "adaptive between_tools", _ALL, 1_000_000, 128_000),
    _builtin("claude-opus-5-5", "Claude Opus 5.5", "adaptive", _ALL, 1_000_000, 128_000),
    _builtin("claude-haiku-5-5", "Claude Haiku 5.5", "adaptive disabled", _ALL, 1_000_000, 128_000),
    _builtin("claude-fable-5-2", "Claude Fable 5.2", "adaptive", _ALL, 1_000_000, 128_000),
    _builtin("claude-fable-5-1", "Claude Fable 5.1", "adaptive", _ALL, 1_000_000, 128_000),
    _builtin("claude-opus-5", "Claude Opus 5", "adaptive disabled", _ALL, 1_000_000, 128_000),
    _builtin("claude-sonnet-5", "Claude Sonnet 5", "adaptive disabled", _ALL, 1_000_000, 128_000),
    _builtin("claude-opus-4-8", "Claude Opus 4.8", "adaptive disabled", _ALL, 1_000_000, 128_000),
    _builtin("claude-opus-4-7", "Claude Opus 4.7", "adaptive disabled", _ALL, 1_000_000, 128_000),
    _builtin(
        "claude-opus-4-6", "Claude Opus 4.6", "adaptive enabled disabled", _ALL - {"xhigh"}, 200_000, 128_000
    ),
    _builtin(
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        "adaptive enabled disabled",
        _ALL - {"xhigh"},
        200_000,
        64_000,
    ),
    _builtin("claude-haiku-4-5", "Claude Haiku 4.5", "enabled disabled", frozenset(), 200_000, 64_000),
    _builtin(
        "claude-opus-4-5",
        "Claude Opus 4.5",
        "enabled disabled",
        frozenset({"low", "medium", "high"}),
        200_000,
        64_000,
    ),
    _builtin("claude-sonnet-4-5", "Claude Sonnet 4.5", "enabled disabled", frozenset(), 200_000, 64_000),
    _builtin("claude-opus-4-1", "Claude Opus 4.1", "enabled disabled", frozenset(), 200_000, 32_000),
)
"""The offline list (shown when ``models.list()`` fails: no network, no key, an old proxy) and what each
model accepts, from the models overview and "Troubleshooting thinking" (December 2026); context editing
(clearing tool results and thinking) is on every model of the list, as the context editing page says."""


def builtin_choice(model_id: str) -> ModelChoice | None:
    """``model_id`` in the built-in list (a dated id matches its alias)."""
    for choice in BUILTIN:
        if model_id == choice.id or model_id.startswith(choice.id + "-"):
            return choice
    return None


def builtin_context_window(model_id: str) -> int:
    """The context window of ``model_id`` from the built-in list."""
    choice = builtin_choice(model_id)
    return (choice.context_window if choice else None) or DEFAULT_CONTEXT_WINDOW


@dataclass(frozen=True)
class Catalogue:
    """The models to pick from; ``offline`` when this is the built-in list, ``note`` saying why."""

    models: tuple[ModelChoice, ...] = BUILTIN
    offline: bool = True
    note: str = ""

    def choice(self, model_id: str) -> ModelChoice | None:
        """``model_id`` as listed (a dated id matches its alias), else from the built-in table."""
        for choice in self.models:
            if choice.id == model_id or model_id.startswith(choice.id + "-"):
                return choice
        return builtin_choice(model_id)

    def successor(self, model_id: str) -> ModelChoice | None:
        """What to move a conversation on the retired ``model_id`` to: the first active model of its
        family (opus, sonnet, haiku, fable…) in the list, newest first, else the first active one."""
        active = [c for c in self.models if c.lifecycle == "active" and c.id != model_id]
        family = next((w for w in model_id.split("-")[1:2] if w), "")
        same = [c for c in active if family and c.id.split("-")[1:2] == [family]]
        return (same or active or [None])[0]

    def context_window(self, model_id: str) -> int:
        choice = self.choice(model_id)
        return (choice.context_window if choice else None) or builtin_context_window(model_id)

    def capabilities(self, model_id: str) -> Capabilities | None:
        """What ``model_id`` accepts: as the API listed it, else the built-in table; None when unknown."""
        choice = self.choice(model_id)
        if choice is not None and choice.caps is None:
            known = builtin_choice(model_id)
            return known.caps if known else None
        return choice.caps if choice else None


CACHE_VERSION = 2
"""Bumped when the cached fields change: an older cache is fetched again."""


def _choice_dict(choice: ModelChoice) -> dict[str, Any]:
    return {
        "id": choice.id,
        "name": choice.name,
        "context_window": choice.context_window,
        "caps": choice.caps.to_dict() if choice.caps else None,
        "lifecycle": choice.lifecycle,
        "retires_at": choice.retires_at,
    }


def _choice_from(data: dict[str, Any]) -> ModelChoice:
    caps = data.get("caps")
    return ModelChoice(
        str(data["id"]),
        str(data["name"]),
        data.get("context_window"),
        Capabilities.from_dict(caps) if caps else None,
        str(data.get("lifecycle") or "active"),
        data.get("retires_at"),
    )


def from_model_info(info: Any) -> ModelChoice:
    """An SDK ``ModelInfo`` as a choice: its window, limits, capabilities and lifecycle."""
    retires = getattr(info, "retires_at", None)
    return ModelChoice(
        info.id,
        info.display_name,
        info.max_input_tokens,
        Capabilities.from_api(info),
        getattr(info, "lifecycle", None) or "active",
        retires.date().isoformat() if retires else None,
    )


def read_cache(path: Path, key: str, now: float) -> tuple[ModelChoice, ...] | None:
    """The cached list for API ``key`` (its base URL) if it is younger than ``CACHE_TTL``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION or data["key"] != key:
            return None
        if not 0 <= now - float(data["fetched_at"]) < CACHE_TTL:
            return None
        models = tuple(_choice_from(m) for m in data["models"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return models or None


def write_cache(path: Path, key: str, now: float, models: tuple[ModelChoice, ...]) -> None:
    data = {
        "version": CACHE_VERSION,
        "key": key,
        "fetched_at": now,
        "models": [_choice_dict(m) for m in models],
    }
    with contextlib.suppress(OSError):  # a read-only cache directory costs a fetch next time, nothing more
        write_private(path, json.dumps(data, indent=1))


async def fetch_catalogue(connect: Callable[[], Awaitable[Any]], cache: Path, key: str) -> Catalogue:
    """The cached list, else ``models.list()`` (every page) through the client ``connect`` makes, cached;
    the built-in list, with the reason, when anything goes wrong."""
    now = time.time()
    cached = await asyncio.to_thread(read_cache, cache, key, now)
    if cached:
        return Catalogue(cached, offline=False)
    try:
        client = await connect()
        models = tuple([from_model_info(info) async for info in client.models.list(limit=100)])
    except Exception as exc:
        from claude_textual.core.client import describe_error

        return Catalogue(note=str(describe_error(exc)))
    if not models:
        return Catalogue(note="The API listed no models.")
    await asyncio.to_thread(write_cache, cache, key, now, models)
    return Catalogue(models, offline=False)
