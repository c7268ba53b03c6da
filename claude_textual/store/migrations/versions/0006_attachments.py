"""Attached files, kept once by their hash, and which message sends which; search finds an attachment
by its name, and a text file by its text.

A prompt's image or document block holds a ``stored`` source (hash, media type, name, size); the
bytes are in ``attachment`` once, however many turns send them again. ``attachment_use`` says which
message uses which file, so deleting the last conversation that used a file deletes the file.

Revision ID: 0006
Revises: 0005
"""

import importlib

import sqlalchemy as sa
from alembic import op

_0002 = importlib.import_module("claude_textual.store.migrations.versions.0002_search_and_trash")
_0004 = importlib.import_module("claude_textual.store.migrations.versions.0004_index_settled_replies")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ATTACHED = """
        WHEN 'image' THEN json_extract({row}.data, '$.source.name')
        WHEN 'document' THEN coalesce(json_extract({row}.data, '$.source.name'),
                                      json_extract({row}.data, '$.title'), '') || ' ' || coalesce(
            CASE json_extract({row}.data, '$.source.type')
                WHEN 'stored' THEN (SELECT CAST(a.data AS TEXT) FROM attachment a
                                    WHERE a.sha256 = json_extract({row}.data, '$.source.sha256')
                                    AND a.media_type = 'text/plain')
                WHEN 'text' THEN json_extract({row}.data, '$.source.data')
            END, '')
        ELSE NULL
    END
"""
BLOCK_TEXT = _0002.BLOCK_TEXT.replace("        ELSE NULL\n    END\n", ATTACHED)
assert BLOCK_TEXT != _0002.BLOCK_TEXT


def _triggers(block_text: str) -> None:
    _0002.create_block_triggers(f" AND {_0004.SETTLED}", block_text)
    _0004.create_settle_trigger(block_text)


def _drop_triggers() -> None:
    for trigger in ("message_fts_settle", "block_fts_insert", "block_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("sha256", sa.String(), primary_key=True),
        sa.Column("media_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "attachment_use",
        sa.Column(
            "message_id", sa.String(), sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("sha256", sa.String(), primary_key=True),
    )
    op.create_index("ix_attachment_use_sha256", "attachment_use", ["sha256"])
    _drop_triggers()
    _triggers(BLOCK_TEXT)
    # blocks already stored that the new text covers (imported documents with a text source)
    op.execute(
        f"INSERT INTO block_fts(rowid, text) SELECT id, t FROM (SELECT id, {BLOCK_TEXT.format(row='block')} "
        "AS t FROM block WHERE type IN ('image', 'document')) AS b WHERE t IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM block_fts WHERE rowid IN (SELECT id FROM block WHERE type IN ('image', 'document'))"
    )
    _drop_triggers()
    _triggers(_0002.BLOCK_TEXT)
    op.drop_index("ix_attachment_use_sha256", "attachment_use")
    op.drop_table("attachment_use")
    op.drop_table("attachment")
