"""claim_check: the office marks a claim "to check" as looked at and right

Revision ID: 0013_checks
Revises: 0008_trust
Create Date: 2026-11-30 11:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

revision: str = "0013_checks"
down_revision: Union[str, None] = "0008_trust"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "claim_check",
        sa.Column("scan_id", sa.Integer(), sa.ForeignKey("scan.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=""),
    )
    # The office's list and its count in the menu read only the few doubted claims.
    op.create_index("ix_scan_implausible", "scan", ["worked_at"], sqlite_where=sa.text("implausible = 1"),
                    postgresql_where=sa.text("implausible"))


def downgrade() -> None:
    op.drop_index("ix_scan_implausible", table_name="scan")
    op.drop_table("claim_check")
