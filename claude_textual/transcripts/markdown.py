"""Export a conversation as Markdown that reads well as plain text and renders well on GitHub.

Text blocks are kept verbatim (they are Markdown already). Citations become ``[n]`` markers and a
numbered source list after each reply. Thinking goes in a ``<details>`` element (collapsed on
GitHub) holding a blockquote; tool calls and anything not recognised are fenced JSON, with a fence
longer than any run of backticks inside. The whole document is passed through ``inert`` since it
is printed to a terminal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from claude_textual.core.describe import attachment_label, call_label, classify, usage_parts
from claude_textual.core.model import Block, Conversation, Message
from claude_textual.core.sanitize import inert
from claude_textual.transcripts._render import (
    Sources,
    Totals,
    as_text,
    heading,
    is_web_url,
    one_line,
    search_results,
    segments,
    status_note,
    tool_names,
    when,
    with_marker,
    without_secrets,
)

_BACKTICKS = re.compile(r"`+")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_END_MARKER = re.compile(r"\[(\d+)\]$")
_DETAILS_END = re.compile(r"</(details)", re.IGNORECASE)
_NOTABLE_STOPS = {
    "max_tokens": "the reply hit the max_tokens limit",
    "refusal": "Claude declined to answer",
    "pause_turn": "the server paused the turn",
    "model_context_window_exceeded": "the context window was full",
}


def _longest_run(text: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)


def fence(text: str, info: str = "") -> str:
    """``text`` as a fenced code block whose fence no line inside can close."""
    ticks = "`" * max(3, _longest_run(text) + 1)
    return f"{ticks}{info}\n{text.rstrip(chr(10))}\n{ticks}"


def code_span(text: str) -> str:
    text = one_line(text)
    ticks = "`" * (_longest_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape_inline(text: object) -> str:
    """Text for an inline context (a link title, a quote): one line, Markdown punctuation escaped."""
    return _INLINE_SPECIAL.sub(r"\\\1", one_line(text))


def _url(url: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in " ()<>\\" else c for c in url)


def link(title: object, url: object) -> str:
    label = escape_inline(title) or "(untitled)"
    if is_web_url(url):
        return f"[{label}]({_url(one_line(url))})"
    if isinstance(url, str) and url:
        return f"{label} ({code_span(url)})"
    return label


def _json(value: Any) -> str:
    return fence(json.dumps(value, indent=2, ensure_ascii=False), "json")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def _text_run(blocks: list[Block], sources: Sources) -> str:
    pieces: list[str] = []
    for block in blocks:
        text = as_text(block.get("text"))
        numbers = sources.markers(block)
        if numbers:
            text = with_marker(text, "".join(f"[{n}]" for n in numbers))
        if pieces and text[:1] in ("(", "[") and _END_MARKER.search(pieces[-1]):
            pieces[-1] = _END_MARKER.sub(r"\\[\1]", pieces[-1])  # so "[1](" makes no link
        pieces.append(text)
    return _under_roles("".join(pieces).strip("\n"))


_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _under_roles(text: str) -> str:
    """A message's own headings two levels down (``#`` → ``###``, at most ``######``), so they sit under
    its ``##`` role heading; fenced code is left as it is."""
    lines, fence = text.split("\n"), ""
    for n, line in enumerate(lines):
        if opened := _FENCE.match(line):
            mark = opened.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip().strip(mark[0]):
                fence = ""
        elif not fence:
            lines[n] = _HEADING.sub(lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + 2), line)
    return "\n".join(lines)


def _thinking(block: Block) -> str:
    text = as_text(block.get("thinking")).strip("\n")
    if not text:
        return "_Thinking (not shown by the API)._"
    text = _DETAILS_END.sub(r"<\/\1", text)  # the thinking cannot close the element early
    return f"<details>\n<summary>Thinking</summary>\n\n{_quote(text)}\n\n</details>"


def _tool_call(block: Block, label: str) -> str:
    name = code_span(str(block.get("name") or "?"))
    ident = f" · {code_span(str(block['id']))}" if block.get("id") else ""
    return f"**{label}:** {name}{ident}\n\n{_json(block.get('input', {}))}"


def _result_content(content: Any) -> list[str]:
    if isinstance(content, str):
        return [fence(content, "text")] if content else ["_(empty result)_"]
    if not isinstance(content, list):
        return [_json(content)] if content is not None else ["_(empty result)_"]
    parts: list[str] = []
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text":
            parts.append(fence(as_text(item.get("text")), "text"))
        elif kind == "image":
            source = item.get("source") if isinstance(item.get("source"), dict) else {}
            media = f": {escape_inline(source['media_type'])}" if source.get("media_type") else ""
            parts.append(f"_[image{media}]_")
        else:
            parts.append(_json(item))
    return parts or ["_(empty result)_"]


def _tool_result(block: Block, names: dict[str, str]) -> str:
    ident = str(block.get("tool_use_id") or "")
    name = names.get(ident)
    title = f"**Result of {code_span(name)}**" if name else "**Tool result**"
    if ident:
        title += f" · {code_span(ident)}"
    if block.get("is_error"):
        title += " — **error**"
    return "\n\n".join([title, *_result_content(block.get("content"))])


def _search_result(block: Block) -> str:
    results, error = search_results(block)
    if error is not None:
        return f"**Web search failed:** {escape_inline(error)}"
    if not results:
        return "**Web search results:** none"
    lines = [f"**Web search results** ({len(results)}):", ""]
    for n, result in enumerate(results, 1):
        age = f" · {escape_inline(result['page_age'])}" if result.get("page_age") else ""
        lines.append(f"{n}. {link(result.get('title') or result.get('url'), result.get('url'))}{age}")
    return "\n".join(lines)


def _redacted(block: Block) -> str:
    size = len(as_text(block.get("data")))
    return f"_Thinking redacted by the API ({size:,} characters of encrypted data)._"


def _server_result(block: Block, names: dict[str, str]) -> str:
    kind = str(block.get("type"))
    name = names.get(str(block.get("tool_use_id") or ""))
    title = f"**Result of {code_span(name)}** ({code_span(kind)})" if name else f"**{code_span(kind)}**"
    return f"{title}\n\n{_json(without_secrets(block.get('content')))}"


def _other(block: Block) -> str:
    return f"**Block {code_span(str(block.get('type')))}**\n\n{_json(block)}"


def _block(block: Block, names: dict[str, str]) -> str:
    """Any block but text (see ``describe.classify``)."""
    render = {
        "thinking": lambda: _thinking(block),
        "redacted_thinking": lambda: _redacted(block),
        "call": lambda: _tool_call(block, call_label(block)),
        "tool_result": lambda: _tool_result(block, names),
        "web_search_result": lambda: _search_result(block),
        "server_result": lambda: _server_result(block, names),
        "attachment": lambda: f"**Attached:** {escape_inline(attachment_label(block))}",
    }
    return render.get(classify(block), lambda: _other(block))()


def _sources(sources: Sources) -> str:
    lines = ["**Sources**", ""]
    for source in sources:
        marker = f"{source.number}. "
        lines.append(marker + link(source.title, source.url))
        lines.extend(" " * len(marker) + "> " + escape_inline(q) for q in source.quotes)
    return "\n".join(lines)


def _message(message: Message, conversation: Conversation, names: dict[str, str]) -> str:
    parts: list[str] = [f"## {one_line(heading(message, conversation))}"]
    sources = Sources()
    for kind, item in segments(message.content):
        rendered = _text_run(item, sources) if kind == "text" else _block(item, names)
        if rendered.strip():
            parts.append(rendered)
    if len(parts) == 1 and message.status.value == "complete":
        parts.append("_(empty message)_")
    if sources:
        parts.append(_sources(sources))
    if message.stop_reason in _NOTABLE_STOPS:
        parts.append(f"_Stopped: {_NOTABLE_STOPS[message.stop_reason]} ({message.stop_reason})._")
    note = status_note(message)
    if note is not None:
        parts.append(_quote(f"**{note[0]}:** {note[1]}"))
    if message.usage is not None:
        parts.append(f"_{' · '.join(usage_parts(message.usage))} · {when(message.created_at)}_")
    return "\n\n".join(parts)


def to_markdown(conversation: Conversation, messages: list[Message]) -> str:
    """The conversation as a Markdown document (terminal-safe: control characters made visible)."""
    names = tool_names(messages)
    meta = [
        code_span(conversation.id),
        f"model {code_span(conversation.model or '?')}",
        f"created {when(conversation.created_at)}",
        f"updated {when(conversation.updated_at)}",
    ]
    parts = [f"# {escape_inline(conversation.title) or '(untitled)'}", " · ".join(meta)]
    if conversation.system:
        parts.append(f"**System prompt**\n\n{fence(conversation.system, 'text')}")
    parts.extend(_message(m, conversation, names) for m in messages)
    totals = "\n".join(f"- {label}: {value}" for label, value in Totals.of(messages).rows())
    parts.append(f"## Totals\n\n{totals}")
    return inert("\n\n".join(parts) + "\n")
