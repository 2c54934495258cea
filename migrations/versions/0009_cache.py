"""response cache: usage records say when an answer came from the cache, and what it saved

- usage_records.cache: null (a call upstream), "hit" (the exact cache) or "semantic-hit".
- usage_records.saved_usd: on a hit, what the original call cost (its deployment's price for the
  token counts kept with the cached answer); null otherwise.
- usage_daily.cache_hits and usage_daily.saved_usd: the same, summed per day (0 for existing rows).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USD = sa.Numeric(18, 8)


def upgrade() -> None:
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cache", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("saved_usd", USD, nullable=True))
    with op.batch_alter_table("usage_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cache_hits", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("saved_usd", USD, nullable=False, server_default="0"))
    with op.batch_alter_table("usage_daily", schema=None) as batch_op:
        batch_op.alter_column("cache_hits", existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column("saved_usd", existing_type=USD, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("usage_daily", schema=None) as batch_op:
        batch_op.drop_column("saved_usd")
        batch_op.drop_column("cache_hits")
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_column("saved_usd")
        batch_op.drop_column("cache")
