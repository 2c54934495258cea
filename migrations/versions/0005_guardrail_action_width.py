"""usage_records.guardrail_action holds what guardrails did and which policies fired
("blocked:words,sensitive,topics,content,grounding"): 32 characters were too few.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _width(new: int, old: int) -> None:
    """PostgreSQL alters the column in place; SQLite (which does not enforce the length, but whose
    declared schema should match the models) rebuilds the table, indexes included."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("usage_records") as batch:
            batch.alter_column("guardrail_action", type_=sa.String(length=new), existing_type=sa.String(old))
    else:
        op.alter_column("usage_records", "guardrail_action", type_=sa.String(length=new), existing_type=sa.String(old))


def upgrade() -> None:
    _width(128, 32)


def downgrade() -> None:
    _width(32, 128)
