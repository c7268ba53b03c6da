"""Search indexes a reply once it has settled, not at every checkpoint while it streams.

A checkpoint rewrites the blocks of a streaming reply once a second; re-indexing a block of
megabytes each time held the app for a large part of every second. The block triggers now skip
blocks of a message that is still ``streaming``; a new trigger indexes a message's blocks when its
status leaves ``streaming`` (the final save, or crash recovery marking it interrupted).

Revision ID: 0004
Revises: 0003
"""

import importlib

from alembic import op

# the searchable text of a block and its triggers, as 0002 defined them
_0002 = importlib.import_module("claude_textual.store.migrations.versions.0002_search_and_trash")
BLOCK_TEXT = _0002.BLOCK_TEXT

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SETTLED = "(SELECT status FROM message WHERE id = new.message_id) IS NOT 'streaming'"


def create_settle_trigger(block_text: str = BLOCK_TEXT) -> None:
    """Index a message's blocks (their ``block_text``) when its status leaves ``streaming``."""
    op.execute(f"""
        CREATE TRIGGER message_fts_settle AFTER UPDATE OF status ON message
        WHEN old.status = 'streaming' AND new.status IS NOT 'streaming' BEGIN
            DELETE FROM block_fts WHERE rowid IN (SELECT id FROM block WHERE message_id = new.id);
            INSERT INTO block_fts(rowid, text) SELECT id, t FROM (
                SELECT id, {block_text.format(row="block")} AS t FROM block WHERE message_id = new.id
            ) AS b WHERE t IS NOT NULL;
        END""")


def upgrade() -> None:
    op.execute("DROP TRIGGER block_fts_insert")
    op.execute("DROP TRIGGER block_fts_update")
    _0002.create_block_triggers(f" AND {SETTLED}")
    create_settle_trigger()


def downgrade() -> None:
    for trigger in ("message_fts_settle", "block_fts_insert", "block_fts_update"):
        op.execute(f"DROP TRIGGER {trigger}")
    _0002.create_block_triggers()
