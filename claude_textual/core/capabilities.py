"""What a model accepts, and a conversation's wishes said the way that model takes them.

The user's settings say what they want ("thinking off", "think with a budget", "effort max"); a model
of today may refuse that form with a 400: budgets on Claude 4.7 and later, ``adaptive`` on Claude 4.5
and earlier, ``disabled`` on Sonnet 5.5 (whose lowest setting is ``between_tools``) and on the models
that always think, effort levels a model lacks, ``max_tokens`` over its limit. :func:`fit` turns the
wishes into request parameters the model accepts, with a plain note for each wish it could not meet.
A model whose capabilities are unknown (a gateway, a new model) gets the wishes as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
EFFORTS = ("low", "medium", "high", "xhigh", "max")
OFF_EFFORT_MAX = "high"
"""The highest effort a request with thinking turned off may ask for (Sonnet 5.5's ``between_tools``,
and ``disabled`` on Haiku 5.5 and Opus 5, refuse ``xhigh`` and ``max``)."""
SERVER_TOOL_CAPABILITY = {
    "web_search": "web_search",
    "web_fetch": "web_search",
    "code_execution": "code_execution",
}
"""Which server tool capability a server tool setting needs (web fetch goes with web search)."""
CLEARING = ("clear_thinking_20251015", "clear_tool_uses_20250919")
"""The context editing strategies the app uses (the API applies them in this order)."""


@dataclass(frozen=True)
class Capabilities:
    """A model's capabilities as the Models API reports them (``ModelInfo.capabilities``)."""

    thinking: frozenset[str]
    """The ``thinking.type`` values it accepts."""
    efforts: frozenset[str]
    """The effort levels it accepts; empty when it takes no effort parameter."""
    max_tokens: int | None = None
    images: bool = True
    pdfs: bool = True
    server_tools: frozenset[str] = field(default_factory=lambda: frozenset({"web_search", "code_execution"}))
    context_edits: frozenset[str] = frozenset()
    """The context editing strategies it supports (of ``CLEARING``)."""

    @classmethod
    def from_api(cls, info: Any) -> Capabilities | None:
        """From an SDK ``ModelInfo`` (None when it reports no capabilities)."""
        caps = getattr(info, "capabilities", None)
        if caps is None:
            return None
        types = caps.thinking.types
        thinking = frozenset(
            t for t in THINKING_TYPES if getattr(getattr(types, t, None), "supported", False)
        )
        effort = caps.effort
        efforts = frozenset(
            e for e in EFFORTS if effort.supported and getattr(getattr(effort, e, None), "supported", False)
        )
        tools = caps.server_tools
        editing = getattr(caps, "context_management", None)
        edits = frozenset(
            e
            for e in CLEARING
            if getattr(editing, "supported", False) and getattr(getattr(editing, e, None), "supported", False)
        )
        return cls(
            thinking,
            efforts,
            getattr(info, "max_tokens", None),
            caps.image_input.supported,
            caps.pdf_input.supported,
            frozenset(t for t in ("web_search", "code_execution") if getattr(tools, t).supported),
            edits,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "thinking": sorted(self.thinking),
            "efforts": sorted(self.efforts),
            "max_tokens": self.max_tokens,
            "images": self.images,
            "pdfs": self.pdfs,
            "server_tools": sorted(self.server_tools),
            "context_edits": sorted(self.context_edits),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capabilities:
        return cls(
            frozenset(data["thinking"]) & set(THINKING_TYPES),
            frozenset(data["efforts"]) & set(EFFORTS),
            data.get("max_tokens"),
            bool(data.get("images", True)),
            bool(data.get("pdfs", True)),
            frozenset(data.get("server_tools", ("web_search", "code_execution"))),
            frozenset(data.get("context_edits", ())) & set(CLEARING),
        )


@dataclass(frozen=True)
class Fitted:
    """Request parameters for the model: ``thinking`` (None: send none), ``effort`` ("" none),
    ``max_tokens``, the server tools kept, and a note for each wish not met as asked."""

    thinking: dict[str, Any] | None
    effort: str
    max_tokens: int
    tools: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _step_down(wish: str, offered: frozenset[str], ceiling: str | None = None) -> str:
    """The highest of ``offered`` at or below ``wish`` (and ``ceiling``); the lowest offered if none is."""
    top = min(EFFORTS.index(wish), EFFORTS.index(ceiling)) if ceiling else EFFORTS.index(wish)
    below = [e for e in EFFORTS[: top + 1] if e in offered]
    if below:
        return below[-1]
    return next((e for e in EFFORTS if e in offered), "")


def _thinking(
    wish: str, budget: int, display: str, caps: Capabilities, model: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The ``thinking`` parameter for the wish ``off``, ``adaptive`` or ``enabled`` (with ``budget``)."""
    notes: list[str] = []
    if wish == "off":
        for kind in ("disabled", "between_tools"):
            if kind in caps.thinking:
                return {"type": kind}, notes
        notes.append(f"{model} always thinks: thinking cannot be turned off, so it thinks adaptively.")
        wish = "adaptive"
    if wish == "enabled" and "enabled" not in caps.thinking and "adaptive" in caps.thinking:
        notes.append(f"{model} takes no thinking budget: it thinks adaptively, and effort sets how hard.")
        wish = "adaptive"
    if wish == "adaptive" and "adaptive" not in caps.thinking and "enabled" in caps.thinking:
        notes.append(f"{model} has no adaptive thinking: it thinks with a budget of {budget:,} tokens.")
        wish = "enabled"
    if wish not in caps.thinking:
        return ({"type": "disabled"} if "disabled" in caps.thinking else None), notes
    param: dict[str, Any] = (
        {"type": wish} if wish == "adaptive" else {"type": "enabled", "budget_tokens": budget}
    )
    if display:
        param["display"] = display
    elif wish == "adaptive":  # today's models default to "omitted": empty panels, silence between tool calls
        param["display"] = "summarized"
    return param, notes


def fit(
    *,
    model: str,
    caps: Capabilities | None,
    thinking: str,
    budget: int,
    display: str,
    effort: str,
    max_tokens: int,
    tools: tuple[str, ...],
) -> Fitted:
    """The wishes (``thinking`` off/adaptive/enabled, its ``budget`` and ``display``, ``effort``,
    ``max_tokens``, server ``tools``) in the form ``model`` accepts."""
    if caps is None:  # unknown: as asked
        param = (
            None
            if thinking == "off"
            else (
                {"type": "adaptive"}
                if thinking == "adaptive"
                else {"type": "enabled", "budget_tokens": budget}
            )
        )
        if param is not None and display:
            param["display"] = display
        return Fitted(param, effort, max_tokens, tools)
    notes: list[str] = []
    if caps.max_tokens and max_tokens > caps.max_tokens:
        notes.append(
            f"max_tokens {max_tokens:,} is more than {model} allows; {caps.max_tokens:,} is asked for."
        )
        max_tokens = caps.max_tokens
    param, thinking_notes = _thinking(thinking, budget, display, caps, model)
    notes += thinking_notes
    if param is not None and param["type"] == "enabled":
        param["budget_tokens"] = max(1024, min(param["budget_tokens"], max_tokens - 1))
        max_tokens = max(max_tokens, param["budget_tokens"] + 1)
    off = param is not None and param["type"] in ("disabled", "between_tools")
    if effort and not caps.efforts:
        notes.append(f"{model} takes no effort setting; effort {effort} is not sent.")
        effort = ""
    elif effort:
        fitted = _step_down(effort, caps.efforts, OFF_EFFORT_MAX if off else None)
        if fitted != effort:
            why = "with thinking off" if off and effort in caps.efforts else "on this model"
            notes.append(f"effort {effort} is not available {why} on {model}; effort {fitted} is asked for.")
        effort = fitted
    kept = tuple(t for t in tools if SERVER_TOOL_CAPABILITY[t] in caps.server_tools)
    if kept != tools:
        missing = ", ".join(t.replace("_", " ") for t in tools if t not in kept)
        notes.append(f"{model} does not offer {missing}; it is left out.")
    return Fitted(param, effort, max_tokens, kept, tuple(notes))
