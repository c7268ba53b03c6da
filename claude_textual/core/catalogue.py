"""The model catalogue: ``models.list()`` cached on disk for a day, a built-in list when it cannot be had,
and each model's context window (``ModelInfo.max_input_tokens``, else the built-in table)."""

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

CACHE_TTL = 24 * 3600.0
"""Seconds a fetched list is used before ``models.list()`` is asked again."""

DEFAULT_CONTEXT_WINDOW = 200_000
"""The context window of a model nobody told us about (every current Claude model's standard window)."""


@dataclass(frozen=True)
class ModelChoice:
    id: str
    name: str
    context_window: int | None = None


BUILTIN = (
    ModelChoice("claude-opus-4-6", "Claude Opus 4.6", 200_000),
    ModelChoice("claude-sonnet-4-6", "Claude Sonnet 4.6", 200_000),
    ModelChoice("claude-haiku-4-5", "Claude Haiku 4.5", 200_000),
    ModelChoice("claude-opus-4-5", "Claude Opus 4.5", 200_000),
    ModelChoice("claude-sonnet-4-5", "Claude Sonnet 4.5", 200_000),
    ModelChoice("claude-opus-4-1", "Claude Opus 4.1", 200_000),
)
"""The offline list, shown when ``models.list()`` fails (no network, no key, an old proxy)."""


def builtin_context_window(model_id: str) -> int:
    """The context window of ``model_id`` from the built-in list (a dated id matches its alias)."""
    for choice in BUILTIN:
        if model_id == choice.id or model_id.startswith(choice.id + "-"):
            return choice.context_window or DEFAULT_CONTEXT_WINDOW
    return DEFAULT_CONTEXT_WINDOW


@dataclass(frozen=True)
class Catalogue:
    """The models to pick from; ``offline`` when this is the built-in list, ``note`` saying why."""

    models: tuple[ModelChoice, ...] = BUILTIN
    offline: bool = True
    note: str = ""

    def context_window(self, model_id: str) -> int:
        for choice in self.models:
            if choice.id == model_id and choice.context_window:
                return choice.context_window
        return builtin_context_window(model_id)


def read_cache(path: Path, key: str, now: float) -> tuple[ModelChoice, ...] | None:
    """The cached list for API ``key`` (its base URL) if it is younger than ``CACHE_TTL``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] != key or not 0 <= now - float(data["fetched_at"]) < CACHE_TTL:
            return None
        models = tuple(
            ModelChoice(str(m["id"]), str(m["name"]), m.get("context_window")) for m in data["models"]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return models or None


def write_cache(path: Path, key: str, now: float, models: tuple[ModelChoice, ...]) -> None:
    data = {
        "key": key,
        "fetched_at": now,
        "models": [{"id": m.id, "name": m.name, "context_window": m.context_window} for m in models],
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
        models = tuple(
            [
                ModelChoice(info.id, info.display_name, info.max_input_tokens)
                async for info in client.models.list(limit=100)
            ]
        )
    except Exception as exc:
        from claude_textual.core.client import describe_error

        return Catalogue(note=str(describe_error(exc)))
    if not models:
        return Catalogue(note="The API listed no models.")
    await asyncio.to_thread(write_cache, cache, key, now, models)
    return Catalogue(models, offline=False)
