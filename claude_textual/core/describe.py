"""How things read as text, for the screen and every export alike: a conversation's title from its
first prompt, a block's title and body, a usage record's parts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from claude_textual.core.attachments import chip_text
from claude_textual.core.model import Block, Message, Usage


def title_from(prompt: str, length: int) -> str:
    """``prompt`` on one line, cut to ``length`` characters (an ellipsis marks the cut)."""
    line = " ".join(prompt.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts in ``value`` when it is a list (odd stored shapes give nothing to show, not an error)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text_of(block: Block) -> str:
    """A text block's text; empty when it holds none, or something else."""
    text = block.get("text")
    return text if isinstance(text, str) else ""


def thinking_text(block: Block) -> str:
    if block.get("type") == "redacted_thinking":
        return "(redacted thinking: encrypted by the API, sent back unchanged)"
    text = block.get("thinking")
    text = text if isinstance(text, str) else ""
    if not text and block.get("signature"):
        return "(thinking omitted by the API; its signature is kept)"
    return text


def tool_title(block: Block) -> str:
    name, args = str(block.get("name") or "?"), block.get("input")
    args = args if isinstance(args, dict) else {}
    if block.get("type") != "server_tool_use":
        return f"Tool call: {name}"
    if name == "web_search" and args.get("query"):
        return f"Web search: {args['query']}"
    if name == "web_fetch" and args.get("url"):
        return f"Web fetch: {args['url']}"
    if "code_execution" in name:
        return f"Code execution ({name})" if name != "code_execution" else "Code execution"
    return f"Server tool: {name}"


def tool_body(block: Block) -> str:
    """A server tool's code or command as it will run; any other call's input as JSON."""
    args = block.get("input") or {}
    if block.get("type") == "server_tool_use" and isinstance(args, dict):
        if isinstance(args.get("code"), str):
            return args["code"]
        if block.get("name") == "bash_code_execution" and isinstance(args.get("command"), str):
            return f"$ {args['command']}"
    return pretty_json(args)


def result_title(block: Block) -> str:
    kind, content = str(block.get("type") or "?"), block.get("content")
    if kind == "tool_result":
        return "Tool result" + (" (error)" if block.get("is_error") else "")
    if kind == "web_search_tool_result" and isinstance(content, list):
        return f"Web search: {len(content)} result{'s' * (len(content) != 1)}"
    if isinstance(content, dict) and ("error_code" in content or str(content.get("type")).endswith("error")):
        return kind.replace("_", " ").capitalize() + " (error)"
    return kind.replace("_", " ").capitalize()


def result_text(block: Block) -> str:
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return result_object_text(content)
    lines = []
    for item in dicts(content):
        if item.get("type") == "text":
            lines.append(str(item.get("text") or ""))
        elif "url" in item:
            lines.append(
                f"• {item.get('title') or item['url']} — {urlsplit(str(item['url'])).netloc}\n  {item['url']}"
            )
        elif item.get("type") == "image":
            lines.append("[image]")
        else:
            lines.append(pretty_json(item))
    return "\n".join(lines)


def result_object_text(content: dict[str, Any]) -> str:
    """A server tool's result object: code's output, a fetched document, or an error code."""
    if "return_code" in content:
        parts = [f"return code {content['return_code']}"]
        for stream in ("stdout", "stderr"):
            if content.get(stream):
                parts.append(f"{stream}:\n{str(content[stream]).rstrip()}")
        return "\n".join(parts)
    if content.get("type") == "web_fetch_result":
        document = content.get("content")
        document = document if isinstance(document, dict) else {}
        return f"{document.get('title') or '(untitled)'}\n{content.get('url', '')}".rstrip()
    if "error_code" in content:
        return f"error: {content['error_code']}"
    return pretty_json(content)


CALLS = ("tool_use", "server_tool_use", "mcp_tool_use")
"""Block types that ask for a tool to run."""


def attachment_label(block: Block) -> str:
    """``📎 report.pdf · pdf · 2.1 MB · 12 pages`` for an image or document block (stored, or with its
    bytes inline as an imported transcript may hold them)."""
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    if source.get("type") != "stored":
        data = source.get("data") if isinstance(source.get("data"), str) else ""
        size = len(data) * 3 // 4 if source.get("type") == "base64" else len(data.encode("utf-8", "replace"))
        source = {
            "name": block.get("title") or block.get("type"),
            "media_type": source.get("media_type") or "",
            "size": size,
        }
    return "📎 " + chip_text(source)


def classify(block: Block) -> str:
    """What a block is, for every view of it: ``text``, ``thinking``, ``redacted_thinking``, ``call``,
    ``tool_result`` (ours, sent back), ``web_search_result``, ``server_result`` (any other server
    tool's result) or ``other`` (a type this version does not know)."""
    kind = block.get("type")
    kind = kind if isinstance(kind, str) else ""
    if kind in ("text", "thinking", "redacted_thinking", "tool_result"):
        return kind
    if kind in ("image", "document"):
        return "attachment"
    if kind in CALLS:
        return "call"
    if kind == "web_search_tool_result":
        return "web_search_result"
    return "server_result" if kind.endswith("_tool_result") else "other"


def call_label(block: Block) -> str:
    """``Tool call``, ``Server tool call`` or ``MCP tool call``."""
    return {"server_tool_use": "Server tool call", "mcp_tool_use": "MCP tool call"}.get(
        str(block.get("type")), "Tool call"
    )


def duration(ms: int | float) -> str:
    """``850 ms``, ``1.5 s``, ``2 min 5 s``."""
    if ms < 1000:
        return f"{int(ms)} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(int(round(ms / 1000)), 60)
    return f"{minutes} min {seconds} s"


def money(usd: float | None) -> str:
    """``$0.0042``, ``$1.23``, ``$1,234.50``; ``cost unknown`` when no price is known."""
    if usd is None:
        return "cost unknown"
    if usd == 0:
        return "$0"
    return f"${usd:,.4f}" if abs(usd) < 1 else f"${usd:,.2f}"


def share(part: float | None) -> str:
    """``87%`` (``–`` when there is nothing to divide)."""
    return "–" if part is None else f"{part:.0%}"


def usage_parts(usage: Usage, *, zeros: bool = True) -> list[str]:
    """``in 100``, ``out 50``, ``cache read 1,000``, ``cache write 20`` (with its 1-hour part), server tool
    requests, the time the reply took (to its first token too) and the cost once priced; ``zeros=False``
    leaves out cache counts of 0."""
    parts = [f"in {usage.count('input_tokens'):,}", f"out {usage.count('output_tokens'):,}"]
    split = usage.raw.get("cache_creation") if isinstance(usage.raw.get("cache_creation"), dict) else {}
    hour = split.get("ephemeral_1h_input_tokens")
    for name, key in (
        ("cache read", "cache_read_input_tokens"),
        ("cache write", "cache_creation_input_tokens"),
    ):
        if zeros or usage.count(key):
            parts.append(f"{name} {usage.count(key):,}")
            if key == "cache_creation_input_tokens" and isinstance(hour, int) and hour > 0:
                parts[-1] += f" (1 h {hour:,})"
    server = usage.server_tool_use if isinstance(usage.server_tool_use, dict) else {}
    for what, key in (("web search", "web_search_requests"), ("web fetch", "web_fetch_requests")):
        count = int(server.get(key) or 0)
        if count:
            parts.append(f"{count} {what}{'es' if count != 1 else ''}")
    if usage.duration_ms is not None:
        timing = duration(usage.duration_ms)
        if usage.ttft_ms is not None:
            timing += f" (first token {duration(usage.ttft_ms)})"
        parts.append(timing)
    if usage.price_source is not None:
        parts.append(money(usage.cost_usd))
    return parts


def copyable(message: Message) -> str:
    """What copying a message gives: its text; for one without text (tool results, or a reply of
    thinking and a tool call), what its panels show."""
    text = message.text()
    if text.strip():
        return text
    parts = []
    for block in message.content:
        kind = classify(block)
        if kind == "thinking":
            parts.append(thinking_text(block))
        elif kind == "call":
            parts.append(f"{tool_title(block)}\n{tool_body(block)}")
        elif kind in ("tool_result", "web_search_result", "server_result"):
            parts.append(f"{result_title(block)}\n{result_text(block)}")
    return "\n\n".join(part for part in parts if part.strip())
