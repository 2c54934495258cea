"""guardrails: definitions (the DRAFT), numbered versions, and a team's default guardrails

- guardrails holds each guardrail's DRAFT (CreateGuardrail's body as stored), its unique name,
  the highest version number ever given (never reused: numbered versions are cached for good),
  and CreateGuardrail's clientRequestToken (the same token gives the same guardrail).
- guardrail_versions holds the immutable snapshots CreateGuardrailVersion takes.
- teams gain ``guardrails`` (ID or ID:VERSION entries applied to every key of the team); existing
  teams get none.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-11 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guardrails",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("client_request_token", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardrails")),
        sa.UniqueConstraint("name", name=op.f("uq_guardrails_name")),
        sa.UniqueConstraint("client_request_token", name=op.f("uq_guardrails_client_request_token")),
    )
    op.create_table(
        "guardrail_versions",
        sa.Column("guardrail_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("client_request_token", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guardrail_id"],
            ["guardrails.id"],
            name=op.f("fk_guardrail_versions_guardrail_id_guardrails"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("guardrail_id", "version", name=op.f("pk_guardrail_versions")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guardrails", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("guardrails")
    op.drop_table("guardrail_versions")
    op.drop_table("guardrails")
