"""inquiries: verdicts the owner accepted or declined on the capacity page

Revision ID: 0002_inquiry
Revises: 0001
Create Date: 2026-11-28 17:10:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "0002_inquiry"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "inquiry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("earliest_completion", sa.Date(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_inquiry_quantity"),
        sa.CheckConstraint("decision IN ('accepted', 'declined')", name="ck_inquiry_decision"),
        sa.ForeignKeyConstraint(["order_id"], ["production_order.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_product_id"), ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_product_id"))
    op.drop_table("inquiry")
