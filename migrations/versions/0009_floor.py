"""floor: the board's data version and stuck threshold (board_state), customers' share links

Revision ID: 0009_floor
Revises: 0010_measured
Create Date: 2026-11-30 11:15:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "0009_floor"
down_revision: Union[str, None] = "0010_measured"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "board_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stuck_hours", sa.Float(), nullable=False),
        sa.CheckConstraint("stuck_hours > 0 AND stuck_hours <= 200", name="ck_board_state_stuck_hours"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("token", S(length=64), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", S(length=80), nullable=False),
        sa.Column("revoked_at", WHEN(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["production_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_share_link_order_id", "share_link", ["order_id"])
    op.create_index("ix_share_link_token", "share_link", ["token"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_share_link_token", table_name="share_link")
    op.drop_index("ix_share_link_order_id", table_name="share_link")
    op.drop_table("share_link")
    op.drop_table("board_state")
