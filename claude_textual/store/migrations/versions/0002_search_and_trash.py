"""Full-text search over content blocks (FTS5, trigram, kept current by triggers), a trash, and an
index of replies still marked streaming.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The searchable text of a block: text, thinking, tool input, tool result text.
BLOCK_TEXT = """
    CASE json_extract({row}.data, '$.type')
        WHEN 'text' THEN json_extract({row}.data, '$.text')
        WHEN 'thinking' THEN json_extract({row}.data, '$.thinking')
        WHEN 'tool_use' THEN json_extract({row}.data, '$.name') || ' ' || json_extract({row}.data, '$.input')
        WHEN 'server_tool_use' THEN json_extract({row}.data, '$.name') || ' ' || json_extract({row}.data, '$.input')
        WHEN 'tool_result' THEN CASE json_type({row}.data, '$.content')
            WHEN 'text' THEN json_extract({row}.data, '$.content')
            ELSE (SELECT group_concat(json_extract(value, '$.text'), ' ')
                  FROM json_each({row}.data, '$.content') WHERE json_extract(value, '$.type') = 'text')
        END
        ELSE NULL
    END
"""


def create_block_triggers(also: str = "", block_text: str = BLOCK_TEXT) -> None:
    """The triggers that index a block's text when it is inserted or its data updated; ``also`` is a
    further SQL condition (``AND …``) a block must meet to be indexed (0004 uses it), ``block_text`` what
    a block's searchable text is (0006 adds attachments)."""
    new = block_text.format(row="new")
    op.execute(f"""
        CREATE TRIGGER block_fts_insert AFTER INSERT ON block
        WHEN ({new}) IS NOT NULL{also} BEGIN
            INSERT INTO block_fts(rowid, text) VALUES (new.id, {new});
        END""")
    op.execute(f"""
        CREATE TRIGGER block_fts_update AFTER UPDATE OF data ON block BEGIN
            DELETE FROM block_fts WHERE rowid = old.id;
            INSERT INTO block_fts(rowid, text) SELECT new.id, {new} WHERE ({new}) IS NOT NULL{also};
        END""")


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.create_index("ix_conversation_deleted_updated", "conversation", ["deleted_at", "updated_at"])
    # finds replies a crashed process left 'streaming' without scanning every message at start-up
    op.create_index(
        "ix_message_streaming", "message", ["status"], sqlite_where=sa.text("status = 'streaming'")
    )
    op.execute("CREATE VIRTUAL TABLE block_fts USING fts5(text, tokenize = 'trigram')")
    create_block_triggers()
    op.execute("""
        CREATE TRIGGER block_fts_delete AFTER DELETE ON block BEGIN
            DELETE FROM block_fts WHERE rowid = old.id;
        END""")
    op.execute(
        f"INSERT INTO block_fts(rowid, text) SELECT id, t FROM (SELECT id, {BLOCK_TEXT.format(row='block')} "
        "AS t FROM block) AS b WHERE t IS NOT NULL"
    )


def downgrade() -> None:
    for trigger in ("block_fts_insert", "block_fts_update", "block_fts_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS block_fts")
    op.drop_index("ix_message_streaming", "message")
    op.drop_index("ix_conversation_deleted_updated", "conversation")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("deleted_at")
