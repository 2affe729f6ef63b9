"""The helpline watch: each helpline's health, and the alerts waiting to be emailed.

Revision ID: 0008_helpline_health
Revises: 0006_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_helpline_health"
down_revision = "0006_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helpline_health",
        sa.Column("helpline_id", sa.String(80), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_run", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unanswered_run", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_accepted", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override", sa.String(10), nullable=False, server_default=""),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "health_alert",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("helpline_id", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("why", sa.Text, nullable=False, server_default=""),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("health_alert")
    op.drop_table("helpline_health")
