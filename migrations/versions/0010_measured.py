"""promise (the plan's date when an order was accepted) (measured rates on/off is an app_setting)

Revision ID: 0010_measured
Revises: 0011_paper
Create Date: 2026-11-30 11:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401

revision: str = "0010_measured"
down_revision: Union[str, None] = "0011_paper"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "promise",
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("production_order.id"), primary_key=True),
        sa.Column("promised", sa.Date(), nullable=False),
        sa.Column("made_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("promise")
