"""Anonymous hourly counts of how the line is used.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_count",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("hour", "line", "metric", "subject"),
    )


def downgrade() -> None:
    op.drop_table("call_count")
