"""The SQLModel tables. Change them only together with a new migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class ConversationRow(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_archived_updated", "archived", "updated_at"),
        Index("ix_conversation_deleted_updated", "deleted_at", "updated_at"),
    )

    id: str = Field(primary_key=True)
    title: str = ""
    model: str = ""
    system: str = ""
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    message_count: int = 0
    deleted_at: datetime | None = None
    leaf_id: str | None = None
    """The last message of the branch the conversation shows (see ``MessageRow.parent_id``)."""
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    """The conversation's own settings, over the app's (model, thinking, tools…)."""


class MessageRow(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_message_conversation_seq"),
        Index("ix_message_streaming", "status", sqlite_where=text("status = 'streaming'")),
        Index("ix_message_parent", "parent_id"),
    )

    id: str = Field(primary_key=True)
    conversation_id: str = Field(
        sa_column=Column(String, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False)
    )
    seq: int
    """Order of creation in the conversation; a parent always has a lower seq than its children."""
    parent_id: str | None = None
    """The message this one follows (None for the first); siblings are branches."""
    role: str
    model: str | None = None
    stop_reason: str | None = None
    status: str = "complete"
    error: str | None = None
    api_id: str | None = None
    extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    updated_at: datetime


class BlockRow(SQLModel, table=True):
    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("message_id", "idx", name="uq_block_message_idx"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(
        sa_column=Column(String, ForeignKey("message.id", ondelete="CASCADE"), nullable=False)
    )
    idx: int
    type: str
    data: dict = Field(sa_column=Column(JSON, nullable=False))


class UsageRow(SQLModel, table=True):
    __tablename__ = "usage"
    __table_args__ = (Index("ix_usage_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(
        sa_column=Column(String, ForeignKey("message.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    conversation_id: str = Field(index=True)
    request_id: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    web_search_requests: int = 0
    web_fetch_requests: int = 0
    service_tier: str | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    raw: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    cost_usd: float | None = None
    """What the call cost (NULL: not priced yet, or no price known for its model)."""
    price_source: str | None = None
    """What priced it (``PriceBook.source``); NULL until priced."""


class AttachmentRow(SQLModel, table=True):
    """A file's bytes as attached to a prompt, kept once however many messages send it."""

    __tablename__ = "attachment"

    sha256: str = Field(primary_key=True)
    media_type: str
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime


class AttachmentUseRow(SQLModel, table=True):
    """Which message sends which file: a file no message uses any more is deleted with the last one."""

    __tablename__ = "attachment_use"
    __table_args__ = (Index("ix_attachment_use_sha256", "sha256"),)

    message_id: str = Field(
        sa_column=Column(String, ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    )
    sha256: str = Field(primary_key=True)
