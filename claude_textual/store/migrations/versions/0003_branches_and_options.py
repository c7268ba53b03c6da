"""Branches and per-conversation options: each message links to its parent, each conversation
remembers the leaf of the branch it shows and holds its own settings (model, thinking, tools…).

Existing conversations become one branch each, except that a reply a retry replaced (marked
``superseded``) becomes a sibling of its retry: the retry's parent is the reply's parent.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild: rebuilding `message` would cascade-delete its blocks)
    op.add_column("message", sa.Column("parent_id", sa.String(), nullable=True))
    op.create_index("ix_message_parent", "message", ["parent_id"])
    op.add_column("conversation", sa.Column("leaf_id", sa.String(), nullable=True))
    op.add_column("conversation", sa.Column("options", sa.JSON(), nullable=False, server_default="{}"))
    op.execute("""
        UPDATE message SET parent_id = (
            SELECT p.id FROM message AS p
            WHERE p.conversation_id = message.conversation_id AND p.seq < message.seq
              AND coalesce(json_extract(p.extra, '$.superseded'), 0) = 0
            ORDER BY p.seq DESC LIMIT 1)""")
    op.execute("""
        UPDATE conversation SET leaf_id = (
            SELECT m.id FROM message AS m WHERE m.conversation_id = conversation.id
            ORDER BY m.seq DESC LIMIT 1)""")


def downgrade() -> None:
    op.drop_index("ix_message_parent", "message")
    op.drop_column("conversation", "options")  # SQLite >= 3.35 drops columns without a rebuild
    op.drop_column("conversation", "leaf_id")
    op.drop_column("message", "parent_id")
