"""What the real Messages API refuses with a 400, per model, written from the documentation (the
models overview, "Troubleshooting thinking", the Sonnet 5.5 and Opus 5.5 migration guides), apart
from the app's own table so that a request the loopback server accepts is one the API accepts.

- Budgets (``thinking.type: enabled``) are refused by Claude 4.7 and later; Claude 4.5 and earlier
  accept only budgets (``adaptive`` refused); Claude 4.6 accepts both.
- ``disabled`` is refused by Sonnet 5.5 (it takes ``between_tools``, refused elsewhere) and by the
  models that always think (Opus 5.5, Fable 5.x); with thinking off, effort ``xhigh``/``max`` is
  refused (Sonnet 5.5's ``between_tools``, Haiku 5.5 and Opus 5 with ``disabled``).
- Effort levels: ``xhigh`` from Claude 4.7 on, ``max`` from Claude 4.6 on, none on Haiku 4.5,
  Sonnet 4.5 or Opus 4.1; sampling parameters are refused by the 5.x family.
- ``max_tokens`` at most the model's output limit; a budget at least 1,024 and below ``max_tokens``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

ALL_EFFORTS = frozenset({"low", "medium", "high", "xhigh", "max"})


@dataclass(frozen=True)
class Rule:
    thinking: frozenset[str]
    efforts: frozenset[str]
    max_tokens: int
    off_refuses_high_effort: bool = False
    no_sampling: bool = False


def _rule(thinking: str, efforts: frozenset[str], max_tokens: int, **kw: bool) -> Rule:
    return Rule(frozenset(thinking.split()), efforts, max_tokens, **kw)


FIVE = {"no_sampling": True}
RULES: dict[str, Rule] = {
    "claude-fable-5-2": _rule("adaptive", ALL_EFFORTS, 128_000, **FIVE),
    "claude-fable-5-1": _rule("adaptive", ALL_EFFORTS, 128_000, **FIVE),
    "claude-opus-5-5": _rule("adaptive", ALL_EFFORTS, 128_000, **FIVE),
    "claude-opus-5": _rule("adaptive disabled", ALL_EFFORTS, 128_000, off_refuses_high_effort=True, **FIVE),
    "claude-sonnet-5-5": _rule(
        "adaptive between_tools", ALL_EFFORTS, 128_000, off_refuses_high_effort=True, **FIVE
    ),
    "claude-sonnet-5": _rule("adaptive disabled", ALL_EFFORTS, 128_000, **FIVE),
    "claude-haiku-5-5": _rule(
        "adaptive disabled", ALL_EFFORTS, 128_000, off_refuses_high_effort=True, **FIVE
    ),
    "claude-opus-4-8": _rule("adaptive disabled", ALL_EFFORTS, 128_000),
    "claude-opus-4-7": _rule("adaptive disabled", ALL_EFFORTS, 128_000),
    "claude-opus-4-6": _rule("adaptive enabled disabled", ALL_EFFORTS - {"xhigh"}, 128_000),
    "claude-sonnet-4-6": _rule("adaptive enabled disabled", ALL_EFFORTS - {"xhigh"}, 64_000),
    "claude-opus-4-5": _rule("enabled disabled", frozenset({"low", "medium", "high"}), 64_000),
    "claude-sonnet-4-5": _rule("enabled disabled", frozenset(), 64_000),
    "claude-haiku-4-5": _rule("enabled disabled", frozenset(), 64_000),
    "claude-opus-4-1": _rule("enabled disabled", frozenset(), 32_000),
}


def same_model(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


READERS = {"claude-fable-5-1": ("claude-opus-5", "claude-opus-5-5")}
"""Preserved thinking: models that read other models' thinking blocks (Fable 5.1 reads Opus 5's and
Opus 5.5's; neither reads Fable 5.1's); Haiku 5.5's blocks replay on any model."""
PREFIX_CHECKERS = ("claude-fable-5-1", "claude-fable-5-2")
BINDING_BETA = "thinking-binding-controls-2026-08-01"
CONTEXT_BETA = "context-management-2025-06-27"


def _writer(block: Any) -> str | None:
    signature = str(block.get("signature") or "") if isinstance(block, dict) else ""
    if signature.startswith("loopback:") and block.get("type") == "thinking":
        return signature.split(":")[1]
    return None


def readable(model: str, writer: str) -> bool:
    """``model`` reads thinking blocks ``writer`` wrote (the preserved-thinking docs)."""
    if same_model(writer, model) or same_model(writer, "claude-haiku-5-5"):
        return True
    return any(same_model(model, m) and any(same_model(writer, w) for w in ws) for m, ws in READERS.items())


def _thinking_blocks(body: dict[str, Any]) -> list[tuple[int, int, dict[str, Any]]]:
    return [
        (n, k, block)
        for n, turn in enumerate(body.get("messages") or [])
        if isinstance(turn, dict) and isinstance(turn.get("content"), list)
        for k, block in enumerate(turn["content"])
        if isinstance(block, dict) and block.get("type") in ("thinking", "redacted_thinking")
    ]


def _unmarked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value


def prefix_of(body: dict[str, Any]) -> str:
    """What the preserved-thinking docs bind a thinking block to besides the messages before it: the
    top-level system prompt and the tools (a system string is its one text block; cache_control markers
    are left out of the comparison)."""
    system = body.get("system") or []
    if isinstance(system, str):
        system = [{"type": "text", "text": system}]
    shape = {"system": _unmarked(system), "tools": _unmarked(body.get("tools") or [])}
    return hashlib.md5(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def rebound_thinking(body: dict[str, Any]) -> list[tuple[int, int]]:
    """Where the thinking blocks that fail the prefix check are: the first whose signature the loopback
    issued under another prefix (``…:prefix=<digest>``) and every later thinking block ("that block and
    every later thinking block are invalid")."""
    now = prefix_of(body)
    failing: list[tuple[int, int]] = []
    for n, k, block in _thinking_blocks(body):
        signature = str(block.get("signature") or "")
        if failing or ("prefix=" in signature and signature.rsplit("prefix=", 1)[1] != now):
            failing.append((n, k))
    return failing


def _drops_failing(body: dict[str, Any]) -> bool:
    binding = (body.get("thinking") or {}).get("block_binding") or {}
    return binding.get("prefix_mismatch_behavior") == "drop_block"


def binding_refusal(body: dict[str, Any], betas: frozenset[str]) -> str | None:
    """The prefix check's 400 (unless the request asks to drop failing blocks), and ``block_binding``
    without its beta."""
    if "block_binding" in (body.get("thinking") or {}) and BINDING_BETA not in betas:
        return f"thinking.block_binding: this field requires the `{BINDING_BETA}` value in the `anthropic-beta` header."
    failing = rebound_thinking(body)
    if failing and not _drops_failing(body):
        n, k = failing[0]
        return (
            f"messages.{n}.content.{k}: Invalid `signature` in `thinking` block. The block is bound to a "
            "different conversation. Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` "
            f'to "drop_block". That setting requires the `{BINDING_BETA}` value in the `anthropic-beta` header.'
        )
    return None


def refusal(body: dict[str, Any]) -> str | None:
    """The API's complaint about request ``body`` (an ``invalid_request_error`` message), or None.
    Models not listed accept any setting (but not another model's thinking)."""
    rule = RULES.get(str(body.get("model")))
    if rule is None:
        return None
    thinking = body.get("thinking") or {"type": "adaptive" if "adaptive" in rule.thinking else "disabled"}
    kind = thinking.get("type")
    effort = (body.get("output_config") or {}).get("effort")
    max_tokens = int(body.get("max_tokens") or 0)
    if kind not in rule.thinking:
        hint = "; use 'between_tools'" if kind == "disabled" and "between_tools" in rule.thinking else ""
        return f"thinking.type: '{kind}' is not supported for this model{hint}."
    if kind == "enabled":
        budget = int(thinking.get("budget_tokens") or 0)
        if budget < 1024 or budget >= max_tokens:
            return "thinking.budget_tokens must be at least 1024 and less than max_tokens."
    if "display" in thinking and kind not in ("adaptive", "enabled"):
        return f"thinking.display is not supported with thinking.type '{kind}'."
    if effort is not None:
        if effort not in rule.efforts:
            return f"output_config.effort: '{effort}' is not supported for this model."
        if (
            kind in ("disabled", "between_tools")
            and rule.off_refuses_high_effort
            and effort in ("xhigh", "max")
        ):
            return f"output_config.effort '{effort}' is not supported with thinking.type '{kind}'."
    if max_tokens > rule.max_tokens:
        return f"max_tokens: {max_tokens} > {rule.max_tokens}, which is the maximum allowed for this model."
    if rule.no_sampling and {"temperature", "top_p", "top_k"} & set(body):
        return "temperature, top_p and top_k are not supported for this model."
    return None


def count_refusal(body: dict[str, Any]) -> str | None:
    """``messages.count_tokens`` refuses server tools, and a thinking type the model refuses."""
    if any("input_schema" not in tool for tool in body.get("tools") or []):
        return "count_tokens does not support server tools."
    rule = RULES.get(str(body.get("model")))
    kind = (body.get("thinking") or {}).get("type")
    if rule is not None and kind is not None and kind not in rule.thinking:
        return f"thinking.type: '{kind}' is not supported for this model."
    return None


IMAGE_MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def _image_problem(where: str, source: dict[str, Any], many: bool) -> str | None:
    import base64
    import io

    from PIL import Image

    if source.get("type") != "base64":
        return f"{where}.source.type: '{source.get('type')}' is not a valid image source here."
    data = str(source.get("data") or "")
    if len(data) > 5 * 1024 * 1024:
        return f"{where}.source.base64: image exceeds 5 MB maximum: {len(data)} bytes > 5242880 bytes"
    try:
        image = Image.open(io.BytesIO(base64.b64decode(data, validate=True)))
        image.load()
    except Exception:
        return f"{where}.source.base64.data: The image could not be processed."
    if IMAGE_MEDIA.get(image.format or "") != source.get("media_type"):
        return f"{where}.source.base64.data: Image does not match the provided media type {source.get('media_type')}"
    edge = 2000 if many else 8000
    if max(image.size) > edge:
        return f"{where}.source.base64.data: An image dimension exceeds the max allowed size: {edge} pixels"
    return None


def _document_pages(where: str, source: dict[str, Any]) -> int | str:
    import base64
    import io

    from pypdf import PdfReader

    kind = source.get("type")
    if kind == "text":
        ok = source.get("media_type") == "text/plain" and isinstance(source.get("data"), str)
        return 0 if ok else f"{where}.source: a text source takes media_type 'text/plain' and its text."
    if kind != "base64" or source.get("media_type") != "application/pdf":
        return f"{where}.source: '{kind}' with '{source.get('media_type')}' is not a valid document source."
    try:
        return len(PdfReader(io.BytesIO(base64.b64decode(str(source.get("data")), validate=True))).pages)
    except Exception:
        return f"{where}.source.base64.data: The PDF specified was not valid."


def media_refusal(body: dict[str, Any]) -> str | None:
    """Images and documents as the API checks them (the vision and PDF support pages): a base64 image
    of at most 5 MB whose bytes are the media type declared, 8000 px on a side (2000 px when a request
    has more than 20 images), at most 100 images; PDFs of 100 pages in all; a request of 32 MB."""
    media = [
        (f"messages.{n}.content.{k}", block)
        for n, message in enumerate(body.get("messages") or [])
        if isinstance(message.get("content"), list)
        for k, block in enumerate(message["content"])
        if block.get("type") in ("image", "document")
    ]
    if not media:
        return None
    if len(json.dumps(body)) > 32 * 1024 * 1024:
        return "request_too_large: Request exceeds the maximum allowed number of bytes."
    images = [(w, b) for w, b in media if b["type"] == "image"]
    if len(images) > 100:
        return "Too many images in the request: at most 100."
    for where, block in images:
        if problem := _image_problem(where, block.get("source") or {}, len(images) > 20):
            return problem
    pages = 0
    for where, block in media:
        if block["type"] == "document":
            counted = _document_pages(where, block.get("source") or {})
            if isinstance(counted, str):
                return counted
            pages += counted
    if pages > 100:
        return f"A maximum of 100 PDF pages may be provided. Got {pages}."
    return None


CLEARING = ("clear_thinking_20251015", "clear_tool_uses_20250919")


def context_refusal(body: dict[str, Any], betas: frozenset[str]) -> str | None:
    """Context editing as the context editing page has it: under its beta, known strategies,
    ``clear_thinking_20251015`` first and only with thinking on."""
    config = body.get("context_management")
    if config is None:
        return None
    if CONTEXT_BETA not in betas:
        return "context_management: Extra inputs are not permitted"
    edits = config.get("edits") or []
    kinds = [e.get("type") for e in edits]
    if any(kind not in CLEARING for kind in kinds):
        return f"context_management.edits: unknown strategy among {kinds}."
    if "clear_thinking_20251015" in kinds:
        if kinds[0] != "clear_thinking_20251015":
            return "context_management.edits: clear_thinking_20251015 must come first."
        if (body.get("thinking") or {}).get("type") not in ("adaptive", "enabled"):
            return "context_management.edits: clear_thinking_20251015 requires thinking to be on."
    return None


def api_refusal(route: str, body: dict[str, Any], betas: frozenset[str] = frozenset()) -> str | None:
    """The loopback server's validator: the API's rules for ``route``."""
    return (
        media_refusal(body)
        or (refusal(body) if route == "messages" else count_refusal(body))
        or binding_refusal(body, betas)
        or context_refusal(body, betas)
    )


def _tokens(value: Any) -> int:
    return len(json.dumps(value)) // 4


def _drop(body: dict[str, Any], places: dict[tuple[int, int], str]) -> list[dict[str, Any]]:
    """Take the blocks at ``places`` out of ``body``'s messages; their ``thinking_dropped`` entries."""
    for n, k in sorted(places, reverse=True):
        del body["messages"][n]["content"][k]
    return [
        {"type": "thinking_dropped", "path": f"messages.{n}.content.{k}", "reason": reason}
        for (n, k), reason in sorted(places.items())
    ]


def _clear(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Apply the request's context edits to ``body``; the applied edits as the API reports them."""
    applied: list[dict[str, Any]] = []
    for edit in (body.get("context_management") or {}).get("edits") or []:
        kind = edit["type"]
        if kind == "clear_thinking_20251015":
            keep = int((edit.get("keep") or {}).get("value", 1))
            turns = [t for t in body["messages"] if t["role"] == "assistant"]
            older = turns[:-keep] if keep else turns
            thinking = ("thinking", "redacted_thinking")
            had = [t for t in older if any(b.get("type") in thinking for b in t["content"])]
            cleared = [b for t in had for b in t["content"] if b.get("type") in thinking]
            for turn in had:
                turn["content"] = [b for b in turn["content"] if b.get("type") not in thinking]
            if had:
                applied.append(
                    {
                        "type": kind,
                        "cleared_thinking_turns": len(had),
                        "cleared_input_tokens": _tokens(cleared),
                    }
                )
        else:
            trigger = int((edit.get("trigger") or {}).get("value", 100_000))
            keep = int((edit.get("keep") or {}).get("value", 3))
            if _tokens(body) <= trigger:
                continue
            results = [
                b
                for t in body["messages"]
                if t["role"] == "user" and isinstance(t["content"], list)
                for b in t["content"]
                if b.get("type") == "tool_result"
            ]
            old = results[:-keep] if keep else results
            tokens = 0
            for block in old:
                tokens += _tokens(block.get("content"))
                block["content"] = "[cleared to save context]"
            if old:
                applied.append({"type": kind, "cleared_tool_uses": len(old), "cleared_input_tokens": tokens})
    return applied


def api_input(body: dict[str, Any], betas: frozenset[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the API does to a request's input before the model sees it, and how it reports it: thinking
    blocks the model cannot read are dropped (preserved thinking: no error), blocks failing the prefix
    check too when the request asks for that, then context edits are applied."""
    seen = json.loads(json.dumps(body))
    model = str(seen.get("model"))
    places: dict[tuple[int, int], str] = {}
    for n, k, block in _thinking_blocks(seen):
        writer = _writer(block)
        if writer is not None and not readable(model, writer):
            places[(n, k)] = "model_binding_mismatch"
    if _drops_failing(seen):
        for place in rebound_thinking(seen):
            places.setdefault(place, "prefix_binding_mismatch")
    report: dict[str, Any] = {}
    if places:
        report["input_transformations"] = _drop(seen, places)
    if "context_management" in seen:
        report["context_management"] = {"applied_edits": _clear(seen)}
    return seen, report
