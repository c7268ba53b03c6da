"""Our own JSON export (``transcripts.export.to_json``) read back as model objects, exactly, with the
attached files it carries."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from claude_textual.core.attachments import (
    IMAGE_TYPES,
    PDF,
    PDF_MAX_BYTES,
    TEXT,
    missing,
    stored_source,
    stored_sources,
)
from claude_textual.core.model import Conversation, Message, Status, Usage, utcnow
from claude_textual.transcripts.fields import Invalid, blocks, parse_time, text_field, whole_number

_USAGE_FIELDS = ("request_id", "model", "ttft_ms", "duration_ms", "created_at", "cost_usd", "price_source")
"""Usage keys that are ours, not the API's: a cost in a file is not taken, the history prices it."""


def _usage(data: Any, where: str, default_time: datetime) -> Usage | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise Invalid(f"{where}: 'usage' should be an object")
    return Usage(
        raw={k: v for k, v in data.items() if k not in _USAGE_FIELDS},
        request_id=text_field(data, "request_id", where),
        model=text_field(data, "model", where),
        ttft_ms=whole_number(data, "ttft_ms", where),
        duration_ms=whole_number(data, "duration_ms", where),
        created_at=parse_time(data.get("created_at"), f"{where}: usage 'created_at'", default_time),
    )


def _message(data: Any, n: int, default_time: datetime) -> Message:
    where = f"message {n + 1}"
    if not isinstance(data, dict):
        raise Invalid(f"{where} is not an object")
    status = data.get("status", Status.COMPLETE.value)
    try:
        status = Status(status)
    except ValueError:
        raise Invalid(f"{where}: unknown status {status!r}") from None
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise Invalid(f"{where}: 'extra' should be an object")
    created = parse_time(data.get("created_at"), f"{where}: 'created_at'", default_time)
    return Message(
        id=text_field(data, "id", where) or None,
        parent_id=text_field(data, "parent_id", where),
        role=text_field(data, "role", where, required=True) or "",
        content=blocks(data.get("content", []), where),
        stop_reason=text_field(data, "stop_reason", where),
        status=status,
        error=text_field(data, "error", where),
        model=text_field(data, "model", where),
        api_id=text_field(data, "api_id", where),
        extra=extra,
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), f"{where}: 'updated_at'", created),
        usage=_usage(data.get("usage"), where, created),
    )


def from_export(data: dict[str, Any]) -> tuple[Conversation, list[Message]]:
    """A conversation as ``transcripts.export.to_json`` wrote it, back as model objects, exactly."""
    where = "conversation"
    ident = text_field(data, "id", where, required=True) or ""
    raw_messages = data.get("messages")
    if not isinstance(raw_messages, list):
        raise Invalid("'messages' should be a list")
    archived = data.get("archived", False)
    if not isinstance(archived, bool):
        raise Invalid("'archived' should be true or false")
    created = parse_time(data.get("created_at"), "the conversation's 'created_at'", utcnow())
    conversation = Conversation(
        id=ident,
        title=text_field(data, "title", where, default="") or "",
        model=text_field(data, "model", where, default="") or "",
        system=text_field(data, "system", where, default="") or "",
        created_at=created,
        updated_at=parse_time(data.get("updated_at"), "the conversation's 'updated_at'", created),
        archived=archived,
        leaf_id=text_field(data, "leaf_id", where),
    )
    messages = [_message(m, n, created) for n, m in enumerate(raw_messages)]
    conversation.message_count = len(messages)
    return conversation, messages


FILE_TYPES = (*IMAGE_TYPES.values(), PDF, TEXT)
"""The media types an imported file may have (what the app itself attaches)."""


def export_files(data: dict[str, Any], messages: list[Message]) -> list[tuple[bytes, str]]:
    """The attached files an export carries (``files``: hash -> media type and base64), each checked
    against its hash and kind; an attachment whose file is not among them, or not valid, becomes a text
    block saying it is missing (an import never points at a file the history holds for another)."""
    raw = data.get("files") or {}
    if not isinstance(raw, dict):
        raise Invalid("'files' should be an object")
    wanted = {s.get("sha256") for s in stored_sources(messages)}
    files: dict[str, tuple[bytes, str]] = {}
    for sha, entry in raw.items():
        if sha not in wanted or not isinstance(entry, dict) or entry.get("media_type") not in FILE_TYPES:
            continue
        try:
            content = base64.b64decode(str(entry.get("data")), validate=True)
        except ValueError:
            continue
        if len(content) <= PDF_MAX_BYTES and hashlib.sha256(content).hexdigest() == sha:
            files[sha] = (content, entry["media_type"])
    for message in messages:
        message.content = [
            missing(source)
            if (source := stored_source(b)) is not None
            and files.get(source.get("sha256"), (b"", None))[1] != source.get("media_type")
            else b
            for b in message.content
        ]
    return list(files.values())
