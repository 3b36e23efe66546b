"""printing: a reissued ticket points at the voided ticket it replaces

Revision ID: 0003_printing_ticket_replaces
Revises: 0002_inquiry
Create Date: 2026-11-28 18:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = "0003_printing_ticket_replaces"
down_revision: Union[str, None] = "0002_inquiry"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_ticket_replaces_id_ticket", "ticket", ["replaces_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ticket_replaces_id_ticket", type_="foreignkey")
        batch_op.drop_column("replaces_id")
