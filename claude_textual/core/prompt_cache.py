"""The API's prompt cache, kept by the loopback server (the demo's, the tests' and the bench's).

As the prompt caching page describes it: a request's blocks are read in the order tools, system,
messages; each ``cache_control`` block (and, with a top-level ``cache_control``, the last cacheable
block) is a breakpoint. The longest prefix found in the cache at a breakpoint, or at one of the 20 blocks
before it, is read (and its entry lives on from now); every breakpoint past it whose prefix reaches the
model's minimum is written with its TTL. ``input_tokens`` is what is left: neither read nor written.
Tokens are about four characters each. The clock is a function, so tests and the bench move time.

The API's refusals are here too (``refusal``): more than four breakpoints, and a 1-hour breakpoint after
a 5-minute one.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from claude_textual.core.caching import DEFAULT_MINIMUM, MAX_BREAKPOINTS

LOOKBACK = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}
_UNCACHEABLE = {"thinking", "redacted_thinking"}


@dataclass(frozen=True)
class Breakpoint:
    index: int
    ttl: str


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's blocks in the order the cache reads them."""
    blocks = [dict(t) for t in body.get("tools") or [] if isinstance(t, dict)]
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append({"type": "text", "text": system})
    elif isinstance(system, list):
        blocks += [dict(b) for b in system if isinstance(b, dict)]
    for turn in body.get("messages") or []:
        content = turn.get("content") if isinstance(turn, dict) else None
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        blocks += [{**b, "role": turn.get("role")} for b in content or [] if isinstance(b, dict)]
    return blocks


def _ttl(mark: Any) -> str:
    return mark.get("ttl", "5m") if isinstance(mark, dict) else "5m"


def breakpoints(body: dict[str, Any]) -> list[Breakpoint]:
    """The explicit breakpoints, then the automatic one on the last cacheable block (none when that
    block has its own), in block order."""
    blocks = _blocks(body)
    found = [Breakpoint(i, _ttl(b["cache_control"])) for i, b in enumerate(blocks) if b.get("cache_control")]
    auto = body.get("cache_control")
    if auto:
        last = next(
            (i for i in reversed(range(len(blocks))) if blocks[i].get("type") not in _UNCACHEABLE), None
        )
        if last is not None and all(b.index != last for b in found):
            found.append(Breakpoint(last, _ttl(auto)))
    return sorted(found, key=lambda b: b.index)


def refusal(body: dict[str, Any]) -> str | None:
    """Why the API refuses the request's breakpoints, or None."""
    points = breakpoints(body)
    if len(points) > MAX_BREAKPOINTS:
        return (
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(points)}."
        )
    for earlier, later in zip(points, points[1:], strict=False):
        if earlier.ttl == "5m" and later.ttl == "1h":
            return (
                "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note "
                "that blocks are processed in the following order: `tools`, `system`, `messages`."
            )
    return None


def _tokens(block: dict[str, Any]) -> int:
    text = block.get("text") if block.get("type") == "text" else None
    if not isinstance(text, str):
        text = json.dumps(
            {k: v for k, v in block.items() if k not in ("cache_control", "role")}, sort_keys=True
        )
    return max(1, len(text) // 4)


class PromptCache:
    """Cache entries by prefix, with their expiry on ``clock`` (seconds)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        minimum: Callable[[str], int] = lambda model: DEFAULT_MINIMUM,
    ) -> None:
        self.clock = clock
        self.minimum = minimum
        self.entries: dict[str, tuple[float, float]] = {}
        """prefix hash -> (expiry, lifetime)."""

    def account(self, body: dict[str, Any]) -> dict[str, Any]:
        """Read and write the cache for this request; its usage input fields, as the API reports them."""
        now, blocks = self.clock(), _blocks(body)
        digest, hashes, totals, total = hashlib.sha256(str(body.get("model")).encode()), [], [], 0
        for block in blocks:
            key = {k: v for k, v in block.items() if k != "cache_control"}
            digest.update(json.dumps(key, sort_keys=True).encode())
            hashes.append(digest.copy().hexdigest())
            total += _tokens(block)
            totals.append(total)
        points = breakpoints(body)
        hit = -1
        for point in points:
            for i in range(point.index, max(-1, point.index - LOOKBACK - 1), -1):
                entry = self.entries.get(hashes[i])
                if entry is not None and entry[0] > now:
                    hit = max(hit, i)
                    break
        if hit >= 0:
            self.entries[hashes[hit]] = (now + self.entries[hashes[hit]][1], self.entries[hashes[hit]][1])
        read = totals[hit] if hit >= 0 else 0
        written, start = {"5m": 0, "1h": 0}, read
        for point in points:
            if point.index <= hit or totals[point.index] < self.minimum(str(body.get("model"))):
                continue
            lifetime = TTL_SECONDS[point.ttl]
            self.entries[hashes[point.index]] = (now + lifetime, lifetime)
            written[point.ttl] += totals[point.index] - start
            start = totals[point.index]
        creation = written["5m"] + written["1h"]
        return {
            "input_tokens": total - read - creation,
            "cache_creation_input_tokens": creation,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": written["5m"],
                "ephemeral_1h_input_tokens": written["1h"],
            },
        }


_FRAME = re.compile(rb"(event: (message_start|message_delta)\ndata: )(.*?)(\n\n)", re.S)


def with_usage(pieces: Iterable[Any], usage: dict[str, Any]) -> Iterator[Any]:
    """The reply's stream with ``usage``'s input fields in its ``message_start`` (and in a
    ``message_delta`` that reports input fields, as the API's do)."""

    def rewrite(match: re.Match[bytes]) -> bytes:
        data = json.loads(match.group(3))
        target = (
            data.get("message", {}).get("usage") if match.group(2) == b"message_start" else data.get("usage")
        )
        if isinstance(target, dict) and (match.group(2) == b"message_start" or "input_tokens" in target):
            target.update(usage)
        return match.group(1) + json.dumps(data).encode() + match.group(4)

    for piece in pieces:
        yield _FRAME.sub(rewrite, piece) if isinstance(piece, bytes) else piece
