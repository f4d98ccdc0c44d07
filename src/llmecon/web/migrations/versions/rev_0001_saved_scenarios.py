"""Saved scenarios and their versions.

Revision ID: 0001
Revises:
Create Date: 2026-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scenarios_updated_at", "scenarios", ["updated_at"])
    op.create_table(
        "scenario_versions",
        sa.Column(
            "scenario_id",
            sa.String(32),
            sa.ForeignKey("scenarios.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # (scenario_id, version) is the primary key: one row per version, ever
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scenario_versions")
    op.drop_index("ix_scenarios_updated_at", "scenarios")
    op.drop_table("scenarios")
