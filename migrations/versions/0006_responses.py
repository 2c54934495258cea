"""responses: the Responses API's stored responses (``store``, ``previous_response_id``)

One row per stored response: its owner (``team:ID`` or ``key:ID``; only the owner reads, continues
or deletes it), when it was created (rows past the retention period are swept; the index serves
that sweep), the response as returned, its input items, and the conversation up to and including
it in the canonical form, so that continuing it reads one row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-20 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "responses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=48), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("input_items", sa.JSON(), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    op.create_index("ix_responses_created_at", "responses", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_responses_created_at", table_name="responses")
    op.drop_table("responses")
