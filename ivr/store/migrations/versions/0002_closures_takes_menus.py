"""Closures, audio and takes, live takes, published menu versions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure",
        sa.Column("helpline_id", sa.String(80), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
    )
    op.create_table(
        "audio",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
    )
    op.create_table(
        "take",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("prompt_id", sa.String(120), nullable=False, index=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("audio.sha256"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "live_take",
        sa.Column("prompt_id", sa.String(120), primary_key=True),
        sa.Column("take_id", sa.Integer, sa.ForeignKey("take.id"), nullable=False),
    )
    op.create_table(
        "menu_version",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("menu_version")
    op.drop_table("live_take")
    op.drop_table("take")
    op.drop_table("audio")
    op.drop_table("closure")
