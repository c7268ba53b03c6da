"""Export a conversation as one standalone HTML page: inline CSS, no scripts, nothing fetched.

Every piece of conversation text is escaped. Claude's replies are rendered as Markdown with
``markdown-it-py`` (Textual's own dependency) with raw HTML disabled, images disabled (an image
would be fetched from elsewhere) and links allowed only to http(s) and mailto; what you typed is
shown as written (pre-wrapped text). Thinking, tool calls and results sit in collapsible
``<details>``. A Content-Security-Policy forbids scripts and outside resources besides.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import re
from html import escape
from typing import Any

from claude_textual.core.attachments import IMAGE_TYPES
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
from claude_textual.transcripts.export import Files

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_REL = "nofollow noopener noreferrer"
# Private-use characters mark where a citation goes in Markdown source; removed from the text first.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")

_CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0;
  --panel: #f6f8fa; --user: #ddf4ff; --accent: #8250df; --error: #cf222e; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --panel: #151b23; --user: #0c2d4a; --accent: #ab7df8; --error: #ff7b72;
  --warn: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 1.5rem 1rem 4rem; color: var(--fg); background: var(--bg);
  font: 16px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1rem; margin: 0 0 .5rem; color: var(--accent); }
.meta, .usage, .note { color: var(--muted); font-size: .85rem; }
figure.attachment { margin: .5rem 0; }
figure.attachment img { max-width: 100%; max-height: 32rem; display: block; }
figure.attachment figcaption { color: var(--muted); font-size: .85rem; }
.message { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; }
.message.user { background: var(--user); }
.message.tools { background: var(--panel); }
.plain, .pre { white-space: pre-wrap; overflow-wrap: anywhere; }
pre, code { font: .85rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .6rem;
  overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.message.tools pre { background: var(--bg); }
details { border-left: 3px solid var(--line); margin: .6rem 0; padding: .1rem .75rem; }
details > summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
details.thinking .pre { color: var(--muted); font-style: italic; }
.error-result > summary, .status.error { color: var(--error); }
.status { border-left: 3px solid var(--warn); padding: .25rem .75rem; }
.status.error { border-color: var(--error); }
sup.cite a { text-decoration: none; }
ol.sources { font-size: .9rem; }
ol.sources blockquote, .results blockquote { margin: .2rem 0 .4rem; color: var(--muted); }
.url { color: var(--muted); overflow-wrap: anywhere; }
table { border-collapse: collapse; }
td, th { border: 1px solid var(--line); padding: .25rem .6rem; text-align: left; }
footer table td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #0969da; } @media (prefers-color-scheme: dark) { a { color: #4493f8; } }
"""


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_SCHEMES)


@functools.cache
def _markdown_renderer() -> Any:
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - Textual depends on it
        return None
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
    md.validateLink = _safe_link  # no javascript:, data:, file: or relative links

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", _REL)
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def _link(title: object, url: object) -> str:
    label = escape(one_line(title) or (url if isinstance(url, str) else "") or "(untitled)")
    if is_web_url(url):
        return f'<a href="{escape(one_line(url), quote=True)}" rel="{_REL}">{label}</a>'
    if isinstance(url, str) and url:
        return f'{label} <span class="url">{escape(url)}</span>'
    return label


def _pre(text: str) -> str:
    return f"<pre><code>{escape(text)}</code></pre>"


def _json(value: Any) -> str:
    return _pre(json.dumps(value, indent=2, ensure_ascii=False))


def _details(summary: str, body: str, css: str, *, open_: bool = False) -> str:
    return (
        f'<details class="{css}"{" open" if open_ else ""}><summary>{summary}</summary>\n{body}\n</details>'
    )


def _text_run(blocks: list[Block], sources: Sources, anchor: str, *, markdown: bool) -> str:
    pieces: list[str] = []
    for block in blocks:
        text = as_text(block.get("text")).replace(_OPEN, "").replace(_CLOSE, "")
        numbers = sources.markers(block)
        if numbers:
            text = with_marker(text, "".join(f"{_OPEN}{n}{_CLOSE}" for n in numbers))
        pieces.append(text)
    source = "".join(pieces).strip("\n")
    if not source.strip():
        return ""
    md = _markdown_renderer() if markdown else None
    if md is not None:
        body = f'<div class="markdown">{md.render(source)}</div>'
    else:
        body = f'<div class="plain">{escape(source)}</div>'
    return _MARK.sub(
        lambda m: f'<sup class="cite"><a href="#{anchor}-s{m.group(1)}">[{m.group(1)}]</a></sup>', body
    )


def _tool_call(block: Block, label: str) -> str:
    name = escape(str(block.get("name") or "?"))
    ident = f' <span class="url">{escape(str(block["id"]))}</span>' if block.get("id") else ""
    return _details(f"{label}: <code>{name}</code>{ident}", _json(block.get("input", {})), "tool")


def _result_content(content: Any) -> str:
    if isinstance(content, str):
        return _pre(content) if content else '<p class="note">(empty result)</p>'
    if not isinstance(content, list):
        return _json(content) if content is not None else '<p class="note">(empty result)</p>'
    parts: list[str] = []
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text":
            parts.append(_pre(as_text(item.get("text"))))
        elif kind == "image":
            source = item.get("source") if isinstance(item.get("source"), dict) else {}
            parts.append(f'<p class="note">[image {escape(str(source.get("media_type") or ""))}]</p>')
        else:
            parts.append(_json(item))
    return "\n".join(parts) or '<p class="note">(empty result)</p>'


def _tool_result(block: Block, names: dict[str, str]) -> str:
    ident = str(block.get("tool_use_id") or "")
    name = names.get(ident)
    summary = f"Result of <code>{escape(name)}</code>" if name else "Tool result"
    if ident:
        summary += f' <span class="url">{escape(ident)}</span>'
    css = "tool-result"
    if block.get("is_error"):
        summary += " — error"
        css += " error-result"
    return _details(summary, _result_content(block.get("content")), css)


def _search_result(block: Block) -> str:
    results, error = search_results(block)
    if error is not None:
        return f'<p class="status error"><strong>Web search failed:</strong> {escape(error)}</p>'
    items = []
    for result in results:
        age = result.get("page_age")
        age = f' <span class="note">{escape(str(age))}</span>' if age else ""
        items.append(f"<li>{_link(result.get('title') or result.get('url'), result.get('url'))}{age}</li>")
    body = f"<ol>{''.join(items)}</ol>" if items else '<p class="note">No results.</p>'
    return _details(f"Web search results ({len(results)})", body, "results")


def _thinking(block: Block) -> str:
    text = as_text(block.get("thinking")).strip("\n")
    if not text:
        return '<p class="note">Thinking (not shown by the API).</p>'
    return _details("Thinking", f'<div class="pre">{escape(text)}</div>', "thinking")


def _redacted(block: Block) -> str:
    size = len(as_text(block.get("data")))
    return f'<p class="note">Thinking redacted by the API ({size:,} characters of encrypted data).</p>'


def _server_result(block: Block, names: dict[str, str]) -> str:
    kind = str(block.get("type"))
    name = names.get(str(block.get("tool_use_id") or ""))
    summary = (f"Result of <code>{escape(name)}</code> " if name else "") + f"<code>{escape(kind)}</code>"
    return _details(summary, _json(without_secrets(block.get("content"))), "tool-result")


def _other(block: Block) -> str:
    return _details(f"Block <code>{escape(str(block.get('type')))}</code>", _json(block), "unknown")


def _attachment(block: Block, files: Files) -> str:
    """An attachment named; an image shown inline (its bytes re-encoded here, of a media type it may be)."""
    label = escape(attachment_label(block))
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    data: bytes | None = None
    if source.get("type") == "stored":
        data = files.get(str(source.get("sha256")))
    elif source.get("type") == "base64":
        with contextlib.suppress(ValueError, TypeError):
            data = base64.b64decode(str(source.get("data")), validate=True)
    media = source.get("media_type")
    image = ""
    if block.get("type") == "image" and data and media in IMAGE_TYPES.values():
        image = f'<img src="data:{media};base64,{base64.b64encode(data).decode("ascii")}" alt="{label}">'
    return f'<figure class="attachment">{image}<figcaption>{label}</figcaption></figure>'


def _block(block: Block, names: dict[str, str], files: Files) -> str:
    """Any block but text (see ``describe.classify``)."""
    render = {
        "attachment": lambda: _attachment(block, files),
        "thinking": lambda: _thinking(block),
        "redacted_thinking": lambda: _redacted(block),
        "call": lambda: _tool_call(block, call_label(block)),
        "tool_result": lambda: _tool_result(block, names),
        "web_search_result": lambda: _search_result(block),
        "server_result": lambda: _server_result(block, names),
    }
    return render.get(classify(block), lambda: _other(block))()


def _sources(sources: Sources, anchor: str) -> str:
    items = []
    for source in sources:
        quotes = "".join(f"<blockquote>{escape(q)}</blockquote>" for q in source.quotes)
        items.append(f'<li id="{anchor}-s{source.number}">{_link(source.title, source.url)}{quotes}</li>')
    return f'<p class="note">Sources</p>\n<ol class="sources">{"".join(items)}</ol>'


def _message(
    index: int, message: Message, conversation: Conversation, names: dict[str, str], files: Files
) -> str:
    anchor = f"m{index}"
    title = heading(message, conversation)
    css = {"You": "user", "Tool results": "tools"}.get(
        title, "assistant" if message.role == "assistant" else "other"
    )
    parts = [f"<h2>{escape(title)}</h2>"]
    sources = Sources()
    for kind, item in segments(message.content):
        if kind == "text":
            rendered = _text_run(item, sources, anchor, markdown=message.role == "assistant")
        else:
            rendered = _block(item, names, files)
        if rendered:
            parts.append(rendered)
    if len(parts) == 1 and status_note(message) is None:
        parts.append('<p class="note">(empty message)</p>')
    if sources:
        parts.append(_sources(sources, anchor))
    if message.stop_reason in ("max_tokens", "refusal", "pause_turn", "model_context_window_exceeded"):
        parts.append(f'<p class="note">Stopped: {escape(message.stop_reason)}</p>')
    note = status_note(message)
    if note is not None:
        label, detail = note
        css_status = "error" if label == "Error" else "warn"
        parts.append(
            f'<p class="status {css_status}"><strong>{escape(label)}:</strong> '
            f'<span class="plain">{escape(detail)}</span></p>'
        )
    if message.usage is not None:
        parts.append(
            f'<p class="usage">{escape(" · ".join(usage_parts(message.usage)))} · '
            f"{escape(when(message.created_at))}</p>"
        )
    body = "\n".join(parts)
    return f'<section class="message {css}" id="{anchor}">\n{body}\n</section>'


def to_html(conversation: Conversation, messages: list[Message], files: Files | None = None) -> str:
    """The conversation as a self-contained HTML page, every piece of its text escaped; attached images
    (``files``, by hash) inline."""
    names = tool_names(messages)
    title = one_line(conversation.title) or "(untitled)"
    meta = " · ".join(
        [
            f"<code>{escape(conversation.id)}</code>",
            f"model <code>{escape(conversation.model or '?')}</code>",
            f"created {escape(when(conversation.created_at))}",
            f"updated {escape(when(conversation.updated_at))}",
        ]
    )
    header = [f"<h1>{escape(title)}</h1>", f'<p class="meta">{meta}</p>']
    if conversation.system:
        system = f'<div class="pre">{escape(conversation.system)}</div>'
        header.append(_details("System prompt", system, "system"))
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in Totals.of(messages).rows()
    )
    body = "\n".join(_message(i, m, conversation, names, files or {}) for i, m in enumerate(messages))
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
{chr(10).join(header)}
</header>
<main>
{body}
</main>
<footer>
<h2>Totals</h2>
<table>{rows}</table>
</footer>
</body>
</html>
"""
    return inert(page)
