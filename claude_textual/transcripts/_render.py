"""What the Markdown and HTML transcripts share: grouping blocks, numbering sources, usage figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from claude_textual.core.describe import CALLS, duration, money
from claude_textual.core.model import USAGE_COUNTERS, Block, Conversation, Message, Status


def when(moment: datetime) -> str:
    """A timestamp as ``2025-09-16 12:34:56 UTC``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def is_web_url(url: object) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def one_line(text: object) -> str:
    return " ".join(str(text if text is not None else "").split())


def as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def heading(message: Message, conversation: Conversation) -> str:
    """``You``, ``Claude (model)``, ``Tool results``, or the role as given."""
    if message.role == "assistant":
        return (
            f"Claude ({message.model or conversation.model})"
            if (message.model or conversation.model)
            else "Claude"
        )
    if message.role == "user":
        if message.content and all(b.get("type") == "tool_result" for b in message.content):
            return "Tool results"
        return "You"
    return message.role.capitalize() or "?"


def status_note(message: Message) -> tuple[str, str] | None:
    """(label, detail) for a message that did not complete normally, else None."""
    if message.status is Status.COMPLETE:
        return None
    if message.status is Status.INTERRUPTED:
        return "Interrupted", message.error or "The reply was stopped before it finished."
    if message.status is Status.ERROR:
        return "Error", message.error or "The reply failed."
    return "Incomplete", message.error or "This reply was still streaming when it was exported."


def segments(content: list[Block]) -> list[tuple[str, Any]]:
    """The blocks in order, consecutive text blocks grouped: ("text", [blocks]) or ("block", block).

    Text blocks of one reply are often fragments of one paragraph (a citation splits a sentence),
    so they are rendered together.
    """
    out: list[tuple[str, Any]] = []
    for block in content:
        if not isinstance(block, dict):
            out.append(("block", {"type": "?", "value": block}))
        elif block.get("type") == "text":
            if out and out[-1][0] == "text":
                out[-1][1].append(block)
            else:
                out.append(("text", [block]))
        else:
            out.append(("block", block))
    return out


@dataclass
class Source:
    number: int
    title: str
    url: str | None
    quotes: list[str] = field(default_factory=list)


class Sources:
    """A message's cited sources, numbered in order of first citation, one number per source."""

    def __init__(self) -> None:
        self._by_key: dict[str, Source] = {}

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def __iter__(self):
        return iter(self._by_key.values())

    def cite(self, citation: object) -> int | None:
        if not isinstance(citation, dict):
            return None
        url = citation.get("url") if isinstance(citation.get("url"), str) else None
        title = one_line(citation.get("title") or citation.get("document_title") or "")
        if url:
            key = f"url:{url}"
        elif title or citation.get("document_index") is not None:
            key = f"doc:{citation.get('document_index')}:{title}"
        else:
            key = f"text:{citation.get('cited_text')}"
        source = self._by_key.get(key)
        if source is None:
            source = self._by_key[key] = Source(len(self._by_key) + 1, title or url or "(source)", url)
        quote = one_line(citation.get("cited_text") or "")
        if quote and quote not in source.quotes:
            source.quotes.append(quote)
        return source.number

    def markers(self, block: Block) -> list[int]:
        numbers: list[int] = []
        citations = block.get("citations")
        for citation in citations if isinstance(citations, list) else []:
            number = self.cite(citation)
            if number is not None and number not in numbers:
                numbers.append(number)
        return numbers


def with_marker(text: str, marker: str) -> str:
    """``text`` with ``marker`` placed after its last non-space character."""
    stripped = text.rstrip()
    return stripped + marker + text[len(stripped) :]


def tool_names(messages: list[Message]) -> dict[str, str]:
    """Tool call id -> tool name, over the whole conversation, to label the results."""
    names: dict[str, str] = {}
    for message in messages:
        for block in message.content:
            if isinstance(block, dict) and block.get("type") in CALLS and isinstance(block.get("id"), str):
                names[block["id"]] = str(block.get("name") or "?")
    return names


@dataclass
class Totals:
    messages: int = 0
    replies: int = 0
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_COUNTERS, 0))
    web_searches: int = 0
    web_fetches: int = 0
    duration_ms: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0
    sources: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, messages: list[Message]) -> Totals:
        totals = cls(messages=len(messages))
        for message in messages:
            if message.usage is None:
                continue
            usage = message.usage
            totals.replies += 1
            for name in USAGE_COUNTERS:
                totals.counters[name] += usage.count(name)
            server = usage.server_tool_use if isinstance(usage.server_tool_use, dict) else {}
            totals.web_searches += int(server.get("web_search_requests") or 0)
            totals.web_fetches += int(server.get("web_fetch_requests") or 0)
            totals.duration_ms += int(usage.duration_ms or 0)
            if usage.price_source:
                totals.sources.add(usage.price_source)
            if usage.cost_usd is None:
                totals.unpriced += 1
            else:
                totals.cost_usd += usage.cost_usd
        return totals

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Messages", f"{self.messages:,}"),
            ("Replies with usage", f"{self.replies:,}"),
            ("Input tokens", f"{self.counters['input_tokens']:,}"),
            ("Output tokens", f"{self.counters['output_tokens']:,}"),
            ("Cache read tokens", f"{self.counters['cache_read_input_tokens']:,}"),
            ("Cache write tokens", f"{self.counters['cache_creation_input_tokens']:,}"),
        ]
        if self.web_searches:
            rows.append(("Web searches", f"{self.web_searches:,}"))
        if self.web_fetches:
            rows.append(("Web fetches", f"{self.web_fetches:,}"))
        rows.append(("Time waiting for replies", duration(self.duration_ms)))
        if self.replies:
            cost = money(None if self.unpriced == self.replies else self.cost_usd)
            unknown = f" ({self.unpriced:,} repl{'y' if self.unpriced == 1 else 'ies'} without a price)"
            rows.append(("Cost", cost + (unknown if self.unpriced and self.unpriced < self.replies else "")))
            if self.sources:
                rows.append(("Prices", ", ".join(sorted(self.sources)) + ", as on each reply's day"))
        return rows


def search_results(block: Block) -> tuple[list[dict[str, Any]], str | None]:
    """A web search result block's results (dicts with a title or url) and its error code, if any."""
    content = block.get("content")
    if isinstance(content, dict):
        return [], str(content.get("error_code") or content.get("type") or "unknown error")
    items = content if isinstance(content, list) else []  # a shape this version does not know: no results
    return [r for r in items if isinstance(r, dict) and (r.get("url") or r.get("title"))], None


def without_secrets(value: Any) -> Any:
    """``value`` with the opaque encrypted fields (signatures, encrypted content) shortened for reading."""
    if isinstance(value, dict):
        return {
            k: (
                f"<{len(v)} characters>"
                if k in _OPAQUE and isinstance(v, str) and len(v) > 40
                else without_secrets(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


_OPAQUE = {"encrypted_content", "encrypted_index", "signature", "encrypted_stdout"}
