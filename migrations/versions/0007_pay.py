"""pay: piece-rate history, pay-period schedule, closed periods with frozen lines and totals, adjustments

Revision ID: 0007_pay
Revises: 0006_ledger
Create Date: 2026-11-30 08:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = "0007_pay"
down_revision: Union[str, None] = "0006_ledger"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "piece_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", S(length=80), nullable=False),
        sa.CheckConstraint("rate >= 0", name="ck_piece_rate_rate"),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_piece_rate_operation_from", "piece_rate", ["operation_id", "effective_from"])
    # Every operation's present rate becomes the first entry of its history, in force since always.
    op.execute("INSERT INTO piece_rate (operation_id, rate, effective_from, created_at, created_by) "
               "SELECT id, piece_rate, '2000-01-01', CURRENT_TIMESTAMP, 'migration' FROM operation")
    op.create_table(
        "pay_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", S(length=80), nullable=False),
        sa.CheckConstraint("first_day >= 1 AND first_day <= 28", name="ck_pay_schedule_first_day"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("from_day"),
    )
    op.create_table(
        "pay_closing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", S(length=7), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("through_scan_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", WHEN(), nullable=False),
        sa.Column("closed_by", S(length=80), nullable=False),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reopened_at", WHEN(), nullable=True),
        sa.Column("reopened_by", S(length=80), nullable=False),
        sa.Column("reopen_reason", S(length=500), nullable=False),
        sa.Column("reopen_changes", S(length=20000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pay_closing_period", "pay_closing", ["period"])
    op.create_index("uq_pay_closing_open", "pay_closing", ["period"], unique=True,
                    sqlite_where=sa.text("reopened_at IS NULL"), postgresql_where=sa.text("reopened_at IS NULL"))
    op.create_table(
        "pay_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closing_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("order_number", S(length=40), nullable=False),
        sa.Column("bundle_no", sa.Integer(), nullable=False),
        sa.Column("product_code", S(length=40), nullable=False),
        sa.Column("operation_code", S(length=40), nullable=False),
        sa.Column("operation_name", S(length=80), nullable=False),
        sa.Column("rate", sa.Numeric(precision=10, scale=3), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["closing_id"], ["pay_closing.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pay_line_closing_id", "pay_line", ["closing_id"])
    op.create_table(
        "pay_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closing_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("worker_code", S(length=40), nullable=False),
        sa.Column("worker_name", S(length=80), nullable=False),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("adjustments", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("carried_in", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("carried_forward", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["closing_id"], ["pay_closing.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("closing_id", "worker_id", name="uq_pay_total_worker"),
    )
    op.create_index("ix_pay_total_closing_id", "pay_total", ["closing_id"])
    op.create_table(
        "pay_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", S(length=7), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("reason", S(length=300), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=True),
        sa.Column("pieces", sa.Integer(), nullable=True),
        sa.Column("rate", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("created_by", S(length=80), nullable=False),
        sa.CheckConstraint("kind IN ('bonus', 'deduction', 'advance', 'correction')",
                           name="ck_pay_adjustment_kind"),
        sa.CheckConstraint("kind = 'correction' OR amount > 0", name="ck_pay_adjustment_amount"),
        sa.ForeignKeyConstraint(["scan_id"], ["scan.id"]),
        sa.ForeignKeyConstraint(["worker_id"], ["worker.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scan_id"),
    )
    op.create_index("ix_pay_adjustment_period", "pay_adjustment", ["period", "worker_id"])


def downgrade() -> None:
    op.drop_index("ix_pay_adjustment_period", table_name="pay_adjustment")
    op.drop_table("pay_adjustment")
    op.drop_index("ix_pay_total_closing_id", table_name="pay_total")
    op.drop_table("pay_total")
    op.drop_index("ix_pay_line_closing_id", table_name="pay_line")
    op.drop_table("pay_line")
    op.drop_index("uq_pay_closing_open", table_name="pay_closing")
    op.drop_index("ix_pay_closing_period", table_name="pay_closing")
    op.drop_table("pay_closing")
    op.drop_table("pay_schedule")
    op.drop_index("ix_piece_rate_operation_from", table_name="piece_rate")
    op.drop_table("piece_rate")
