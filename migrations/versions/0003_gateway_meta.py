"""gateway meta: facts every gateway sharing the database must agree on

Holds, under ``secret_key_check``, an HMAC of a fixed label under a key derived from
STRATA_SECRET_KEY: a gateway started with another secret refuses to start instead of answering
401 to every key the others made. Existing databases get it from the first gateway that starts
(if its secret opens their stored keys).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_gateway_meta")),
    )


def downgrade() -> None:
    op.drop_table("gateway_meta")
