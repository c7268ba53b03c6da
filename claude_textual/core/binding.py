"""Preserved thinking: whose thinking blocks a model reads, and which models check a block's prefix.

From the preserved-thinking docs (December 2026): each model reads its own thinking blocks and those
of a fixed set of others (Fable 5.1 reads Opus 5's and Opus 5.5's; Haiku 5.5's replay on any model);
the API drops, without an error, a block the model cannot read. Fable 5.x also checks that the system
prompt, the tools and the messages before a block are unchanged; a request failing that check is a
400 unless it asks, under the ``thinking-binding-controls-2026-08-01`` beta, for the failing blocks to
be dropped. Either way the response's ``input_transformations`` lists what was dropped.
"""

from __future__ import annotations

from typing import Any

BINDING_BETA = "thinking-binding-controls-2026-08-01"
READS_ALSO = {"claude-fable-5-1": ("claude-opus-5", "claude-opus-5-5")}
"""Models that read other models' thinking blocks besides their own."""
PORTABLE = ("claude-haiku-5-5",)
"""Models whose thinking blocks every model reads."""
PREFIX_CHECK = ("claude-fable-5-1", "claude-fable-5-2")
"""Models that check a thinking block's prefix."""

REASONS = {
    "model_binding_mismatch": "written by a model this one cannot read",
    "prefix_binding_mismatch": "the conversation before them changed since they were written",
    "organization_binding_mismatch": "written under another organization or account",
    "end_user_binding_mismatch": "written for another end user",
}


def _base(model_id: str, ids: tuple[str, ...]) -> str | None:
    """The id of ``ids`` that ``model_id`` is (a dated id matches its alias)."""
    return next((i for i in ids if model_id == i or model_id.startswith(i + "-")), None)


def reads(model: str, writer: str) -> bool:
    """``model`` can read thinking blocks ``writer`` wrote (both known ids, aliases or dated)."""
    if _base(writer, PORTABLE):
        return True
    base = _base(model, tuple(READS_ALSO))
    return base is not None and _base(writer, READS_ALSO[base]) is not None


def checks_prefix(model: str) -> bool:
    return _base(model, PREFIX_CHECK) is not None


def with_binding(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` asking a model that checks the prefix to drop failing blocks, not refuse the request.

    The app leaves out the reasoning it knows is stale (``core/requests.py``); this is the net for what
    it cannot know (a tool's description an MCP server changed, an imported history)."""
    thinking = params.get("thinking")
    if (
        not checks_prefix(str(params.get("model")))
        or not thinking
        or thinking["type"] not in ("adaptive", "enabled")
    ):
        return params
    return {
        **params,
        "thinking": {**thinking, "block_binding": {"prefix_mismatch_behavior": "drop_block"}},
        "betas": [*params.get("betas", []), BINDING_BETA],
    }


def dropped_note(transformations: list[dict[str, Any]]) -> str:
    """What ``input_transformations`` say the API did, in a sentence (empty: nothing was dropped)."""
    dropped = [t for t in transformations if t.get("type") == "thinking_dropped"]
    if not dropped:
        return ""
    why: dict[str, int] = {}
    for entry in dropped:
        reason = REASONS.get(str(entry.get("reason")), str(entry.get("reason")))
        why[reason] = why.get(reason, 0) + 1
    parts = "; ".join(f"{n} because {reason}" for reason, n in why.items())
    blocks = "block" if len(dropped) == 1 else "blocks"
    return (
        f"The API left {len(dropped)} earlier thinking {blocks} out of this request ({parts}); the reply "
        "was written without that reasoning. The history keeps it."
    )
