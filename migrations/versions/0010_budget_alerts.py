"""budget alerts: alert rules on keys and teams, and the alerts sent

- api_keys.alerts, teams.alerts: the alert rules (thresholds, webhook URL, spend rate) as JSON;
  SQL NULL when there are none (the alert monitor reads only the rows that have some).
- budget_alerts: one row per crossing (scope, kind, threshold, period), unique, so that several
  gateway processes sharing the database send each alert once; with its webhook delivery status.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USD = sa.Numeric(18, 8)


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alerts", sa.JSON(), nullable=True))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alerts", sa.JSON(), nullable=True))
    op.create_table(
        "budget_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("scope_kind", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.String(length=40), nullable=False),
        sa.Column("scope_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("period", sa.String(length=48), nullable=False),
        sa.Column("budget_usd", USD, nullable=False),
        sa.Column("spend_usd", USD, nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("give_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_alerts")),
        sa.UniqueConstraint(
            "scope_kind",
            "scope_id",
            "kind",
            "threshold",
            "period",
            name=op.f("uq_budget_alerts_scope_kind_scope_id_kind_threshold_period"),
        ),
    )
    op.create_index("ix_budget_alerts_created_at", "budget_alerts", ["created_at"])
    op.create_index(
        "ix_budget_alerts_scope_kind_scope_id_created_at", "budget_alerts", ["scope_kind", "scope_id", "created_at"]
    )
    op.create_index("ix_budget_alerts_status_next_attempt_at", "budget_alerts", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_budget_alerts_status_next_attempt_at", table_name="budget_alerts")
    op.drop_index("ix_budget_alerts_scope_kind_scope_id_created_at", table_name="budget_alerts")
    op.drop_index("ix_budget_alerts_created_at", table_name="budget_alerts")
    op.drop_table("budget_alerts")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("alerts")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("alerts")
