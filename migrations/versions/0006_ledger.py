"""ledger: a bundle counted across its reissued tickets, office corrections with a reason, the
work time of a scan, queued scans the rules refused, one-time keys for creates, shift hours,
a default bundle size per product

Revision ID: 0006_ledger
Revises: 0005_inquiry_request_id
Create Date: 2026-11-30 08:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "0006_ledger"
down_revision: Union[str, None] = "0005_inquiry_request_id"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ticket_bundle_id"), ["bundle_id"], unique=False)
        batch_op.create_foreign_key("fk_ticket_bundle_id", "ticket", ["bundle_id"], ["id"])
    # Reissues made before this revision: each points at the first ticket of its bundle.
    connection = op.get_bind()
    tickets = connection.execute(sa.text("SELECT id, replaces_id FROM ticket WHERE replaces_id IS NOT NULL "
                                         "ORDER BY id")).all()
    first: dict[int, int] = {}
    for ticket_id, replaces_id in tickets:
        first[ticket_id] = first.get(replaces_id, replaces_id)
        connection.execute(sa.text("UPDATE ticket SET bundle_id = :b WHERE id = :t"),
                           {"b": first[ticket_id], "t": ticket_id})

    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("implausible", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key("fk_scan_user_id", "app_user", ["user_id"], ["id"])
    op.execute("UPDATE scan SET worked_at = created_at")
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.alter_column("worked_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.create_index("ix_scan_worker_worked", ["worker_id", "worked_at"], unique=False)

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_size", sa.Integer(), nullable=True))

    op.create_table(
        "refused_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("operation", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("numbers", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("worked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_scan_client_id"), ["client_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_refused_scan_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "once_key",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )

    op.create_table(
        "shift",
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Integer(), nullable=False),
        sa.Column("ends", sa.Integer(), nullable=False),
        sa.Column("breaks", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_shift_weekday"),
        sa.CheckConstraint("starts >= 0 AND starts < 1440 AND ends >= 0 AND ends < 1440 AND starts <> ends",
                           name="ck_shift_minutes"),
        sa.PrimaryKeyConstraint("weekday"),
    )


def downgrade() -> None:
    op.drop_table("shift")
    op.drop_table("once_key")
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refused_scan_worker_id"))
        batch_op.drop_index(batch_op.f("ix_refused_scan_client_id"))
    op.drop_table("refused_scan")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("bundle_size")
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_worker_worked")
        batch_op.drop_constraint("fk_scan_user_id", type_="foreignkey")
        batch_op.drop_column("implausible")
        batch_op.drop_column("reason")
        batch_op.drop_column("user_id")
        batch_op.drop_column("worked_at")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_constraint("fk_ticket_bundle_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ticket_bundle_id"))
        batch_op.drop_column("bundle_id")
