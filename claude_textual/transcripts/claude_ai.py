"""A claude.ai data export (``conversations.json``) as model objects: each conversation keeps an id
derived from its uuid, so importing it again finds it; its blocks take the Messages API's shape."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from claude_textual.core.describe import title_from
from claude_textual.core.model import Block, Conversation, Message, Status, utcnow
from claude_textual.transcripts.fields import Invalid, parse_time

CLAUDE_AI_MODEL = "claude.ai"
_TITLE_LENGTH = 80


def claude_ai_id(value: str) -> str:
    """Our id for a claude.ai uuid: its 32 hex digits, so the same conversation always maps to it."""
    try:
        return uuid.UUID(value.strip()).hex
    except ValueError:
        return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _citations(value: Any) -> list[dict[str, Any]]:
    citations = []
    for c in value if isinstance(value, list) else []:
        if not isinstance(c, dict):
            continue
        details = c.get("details") if isinstance(c.get("details"), dict) else {}
        url = c.get("url") or details.get("url")
        if not isinstance(url, str) or not url:
            continue
        citations.append(
            {
                "type": "web_search_result_location",
                "url": url,
                "title": c.get("title") or details.get("title"),
                "cited_text": c.get("cited_text") or details.get("cited_text") or "",
            }
        )
    return citations


def _tool_result_content(value: Any) -> str | list[Block]:
    if isinstance(value, str):
        return value
    blocks: list[Block] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
            blocks.append({"type": "text", "text": item["text"]})
        elif isinstance(item, dict):
            blocks.append({"type": "text", "text": json.dumps(item, ensure_ascii=False)})
        elif item is not None:
            blocks.append({"type": "text", "text": str(item)})
    return blocks


class _Tools:
    """The tool calls of one message so far: a result without its call's id answers the last one."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.ids: list[str] = []

    def made_up(self, n: int) -> str:
        return f"toolu_import_{self.message_id[:16]}_{n}"


def _text(block: dict[str, Any], n: int, tools: _Tools) -> Block | None:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        return None
    out: Block = {"type": "text", "text": text}
    if citations := _citations(block.get("citations")):
        out["citations"] = citations
    return out


def _thinking(block: dict[str, Any], n: int, tools: _Tools) -> Block | None:
    thinking = block.get("thinking")
    if not isinstance(thinking, str) or not thinking:
        return None
    # claude.ai signs nothing we can send back; the request builder leaves unsigned thinking out.
    return {"type": "thinking", "thinking": thinking, "signature": ""}


def _tool_use(block: dict[str, Any], n: int, tools: _Tools) -> Block:
    ident = block.get("id") if isinstance(block.get("id"), str) and block.get("id") else tools.made_up(n)
    tools.ids.append(ident)
    tool_input = block.get("input")
    return {
        "type": "tool_use",
        "id": ident,
        "name": str(block.get("name") or "tool"),
        "input": tool_input if isinstance(tool_input, dict) else {"value": tool_input},
    }


def _tool_result(block: dict[str, Any], n: int, tools: _Tools) -> Block:
    ident = block.get("tool_use_id")
    if not isinstance(ident, str) or not ident:
        ident = tools.ids[-1] if tools.ids else tools.made_up(n)
    out: Block = {
        "type": "tool_result",
        "tool_use_id": ident,
        "content": _tool_result_content(block.get("content")),
    }
    if block.get("is_error"):
        out["is_error"] = True
    return out


_CONVERTERS: dict[str, Callable[[dict[str, Any], int, _Tools], Block | None]] = {
    "text": _text,
    "thinking": _thinking,
    "tool_use": _tool_use,
    "tool_result": _tool_result,
}


def _block(block: Any, n: int, tools: _Tools) -> Block | None:
    """One claude.ai content block in Messages API shape (None for an empty one). Anything else (a
    claude.ai-only block) is kept whole, as an unknown block."""
    if not isinstance(block, dict):
        return {"type": "text", "text": str(block)} if block not in (None, "") else None
    convert = _CONVERTERS.get(block.get("type"))  # type: ignore[arg-type]
    return convert(block, n, tools) if convert is not None else dict(block)


def _content(data: dict[str, Any], where: str, message_id: str) -> list[Block]:
    """A message's blocks, or its plain ``text`` when it has none."""
    content: list[Block] = []
    raw = data.get("content")
    if isinstance(raw, list) and raw:
        tools = _Tools(message_id)
        content = [b for i, block in enumerate(raw) if (b := _block(block, i, tools)) is not None]
    elif raw not in (None, [], ""):
        raise Invalid(f"{where}: 'content' should be a list of blocks")
    if not content:
        text = data.get("text")
        if text is not None and not isinstance(text, str):
            raise Invalid(f"{where}: 'text' should be text")
        if text:
            content.append({"type": "text", "text": text})
    return content


def _files(data: dict[str, Any], where: str, content: list[Block]) -> list[Block]:
    """A text block for each attachment (with the text claude.ai extracted) and each other file."""
    added: list[Block] = []
    for key, label in (("attachments", "Attachment"), ("files", "File")):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise Invalid(f"{where}: {key!r} should be a list")
        for item in items:
            if not isinstance(item, dict):
                continue
            name = item.get("file_name") or item.get("name") or "unnamed"
            extracted = item.get("extracted_content") if key == "attachments" else None
            shown = content + added
            if key == "files" and any(b.get("text", "").startswith(f"[Attachment: {name}]") for b in shown):
                continue  # the same file, already included with its text
            body = f"[{label}: {name}]"
            if isinstance(extracted, str) and extracted:
                body += f"\n{extracted}"
            elif key == "files":
                body += " (its content is not in the export)"
            added.append({"type": "text", "text": body})
    return added


def _message(data: Any, n: int, conversation_id: str, default_time: datetime) -> Message:
    where = f"message {n + 1}"
    if not isinstance(data, dict):
        raise Invalid(f"{where} is not an object")
    sender = data.get("sender")
    role = {"human": "user", "assistant": "assistant"}.get(sender) if isinstance(sender, str) else None
    if role is None:
        raise Invalid(f"{where}: unknown sender {sender!r} (expected 'human' or 'assistant')")
    raw_uuid = data.get("uuid")
    message_id = (
        claude_ai_id(raw_uuid) if isinstance(raw_uuid, str) and raw_uuid else f"{conversation_id}m{n}"
    )
    content = _content(data, where, message_id)
    content += _files(data, where, content)
    created = parse_time(data.get("created_at"), f"{where}: 'created_at'", default_time)
    return Message(
        id=message_id,
        role=role,
        content=content,
        status=Status.COMPLETE,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), f"{where}: 'updated_at'", created),
    )


def _title(name: Any, messages: list[Message]) -> str:
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())
    for message in messages:
        if message.role == "user" and message.text().strip():
            return title_from(message.text(), _TITLE_LENGTH)
    return "(untitled)"


def from_claude_ai(data: dict[str, Any]) -> tuple[Conversation, list[Message]]:
    """One conversation of a claude.ai data export as model objects (id derived from its uuid)."""
    raw_uuid = data.get("uuid")
    if not isinstance(raw_uuid, str) or not raw_uuid.strip():
        raise Invalid("the conversation has no 'uuid'")
    ident = claude_ai_id(raw_uuid)
    chat = data.get("chat_messages")
    if not isinstance(chat, list):
        raise Invalid("'chat_messages' should be a list")
    created = parse_time(data.get("created_at"), "the conversation's 'created_at'", utcnow())
    messages = [_message(m, n, ident, created) for n, m in enumerate(chat)]
    ids = [m.id for m in messages]
    if len(set(ids)) != len(ids):
        raise Invalid("two messages share one uuid")
    last = max((m.updated_at for m in messages), default=created)
    conversation = Conversation(
        id=ident,
        title=_title(data.get("name"), messages),
        model=CLAUDE_AI_MODEL,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), "the conversation's 'updated_at'", max(last, created)),
        message_count=len(messages),
    )
    return conversation, messages
