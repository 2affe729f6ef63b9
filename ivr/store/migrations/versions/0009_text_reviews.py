"""Fluent speakers' reviews: a reviewer's languages, texts confirmed, words proposed.

Revision ID: 0009_text_reviews
Revises: 0008_helpline_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_text_reviews"
down_revision = "0008_helpline_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_account") as table:
        table.add_column(sa.Column("languages", sa.String(100), nullable=False, server_default=""))
    op.create_table(
        "text_confirmation",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False, index=True),
        sa.Column("words_sha256", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "text_proposal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    # The release before knows no reviewer: they go back to seeing, not answering
    op.execute("UPDATE staff_account SET role = 'viewer' WHERE role = 'reviewer'")
    op.drop_table("text_proposal")
    op.drop_table("text_confirmation")
    # A plain DROP COLUMN (SQLite 3.35+): rebuilding the table would drop it under the
    # console sessions that refer to it, and sign everyone out
    with op.batch_alter_table("staff_account", recreate="never") as table:
        table.drop_column("languages")
