"""cache clears: DELETE /admin/cache reaching gateway processes that keep answers in memory

- cache_clears: one row per clear (model, team: null for all), read by every process without Redis.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_clears",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_clears")),
    )
    op.create_index("ix_cache_clears_ts", "cache_clears", ["ts"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cache_clears_ts", table_name="cache_clears")
    op.drop_table("cache_clears")
