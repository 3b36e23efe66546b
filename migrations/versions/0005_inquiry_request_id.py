"""inquiries: the decision form's one-time id, so a double submit decides (and creates an order) once

Revision ID: 0005_inquiry_request_id
Revises: 0004_audit_entry
Create Date: 2026-11-29 06:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "0005_inquiry_request_id"
down_revision: Union[str, None] = "0004_audit_entry"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_inquiry_request_id"), ["request_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("inquiry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiry_request_id"))
        batch_op.drop_column("request_id")
