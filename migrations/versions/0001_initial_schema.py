"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 16:09:14.478244
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_username'), ['username'], unique=True)

    op.create_table('holiday',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('yarn', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('colors', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('stitch', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('size', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('photo_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_code'), ['code'], unique=True)

    op.create_table('work_center',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('hours_per_day', sa.Float(), nullable=False),
    sa.Column('efficiency', sa.Float(), nullable=False),
    sa.Column('overtime_hours_per_day', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('efficiency > 0 AND efficiency <= 2', name='ck_work_center_efficiency'),
    sa.CheckConstraint('hours_per_day > 0 AND hours_per_day <= 24', name='ck_work_center_hours'),
    sa.CheckConstraint('overtime_hours_per_day >= 0 AND overtime_hours_per_day <= 12', name='ck_work_center_overtime'),
    sa.CheckConstraint('units >= 1', name='ck_work_center_units'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('work_center', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_center_code'), ['code'], unique=True)

    op.create_table('workday',
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name='ck_workday_weekday'),
    sa.PrimaryKeyConstraint('weekday')
    )
    op.create_table('worker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('badge_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_badge_token'), ['badge_token'], unique=True)
        batch_op.create_index(batch_op.f('ix_worker_code'), ['code'], unique=True)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('operation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('work_center_id', sa.Integer(), nullable=False),
    sa.Column('minutes_per_piece', sa.Float(), nullable=False),
    sa.Column('setup_minutes', sa.Float(), nullable=False),
    sa.Column('piece_rate', sa.Numeric(precision=10, scale=3), nullable=False),
    sa.CheckConstraint('minutes_per_piece >= 0', name='ck_operation_minutes'),
    sa.CheckConstraint('piece_rate >= 0', name='ck_operation_rate'),
    sa.CheckConstraint('setup_minutes >= 0', name='ck_operation_setup'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ),
    sa.ForeignKeyConstraint(['work_center_id'], ['work_center.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id', 'code', name='uq_operation_product_code'),
    sa.UniqueConstraint('product_id', 'position', name='uq_operation_product_position')
    )
    with op.batch_alter_table('operation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operation_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operation_work_center_id'), ['work_center_id'], unique=False)

    op.create_table('production_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('customer', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bundle_size', sa.Integer(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('shipped_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'accepted', 'in_production', 'done', 'shipped', 'cancelled')", name='ck_order_status'),
    sa.CheckConstraint('bundle_size IS NULL OR bundle_size > 0', name='ck_order_bundle_size'),
    sa.CheckConstraint('priority >= 0 AND priority <= 2', name='ck_order_priority'),
    sa.CheckConstraint('quantity > 0 AND quantity <= 1000000', name='ck_order_quantity'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('production_order', schema=None) as batch_op:
        batch_op.create_index('ix_order_status_due', ['status', 'due'], unique=False)
        batch_op.create_index(batch_op.f('ix_production_order_number'), ['number'], unique=True)
        batch_op.create_index(batch_op.f('ix_production_order_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_production_order_token'), ['token'], unique=True)

    op.create_table('worker_work_center',
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('work_center_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['work_center_id'], ['work_center.id'], ),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ),
    sa.PrimaryKeyConstraint('worker_id', 'work_center_id')
    )
    op.create_table('order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('color', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('size', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name='ck_order_line_quantity'),
    sa.ForeignKeyConstraint(['order_id'], ['production_order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_order_id'), ['order_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('bundle_no', sa.Integer(), nullable=False),
    sa.Column('color', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('size', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('voided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('printed_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name='ck_ticket_quantity'),
    sa.ForeignKeyConstraint(['order_id'], ['production_order.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id', 'bundle_no', name='uq_ticket_order_bundle')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_token'), ['token'], unique=True)

    op.create_table('scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('operation_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('good', sa.Integer(), nullable=False),
    sa.Column('defects', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.CheckConstraint('good <> 0 OR defects <> 0', name='ck_scan_not_empty'),
    sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], ),
    sa.ForeignKeyConstraint(['reverses_id'], ['scan.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reverses_id')
    )
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_client_id'), ['client_id'], unique=True)
        batch_op.create_index('ix_scan_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_operation_id'), ['operation_id'], unique=False)
        batch_op.create_index('ix_scan_ticket_operation', ['ticket_id', 'operation_id'], unique=False)
        batch_op.create_index('ix_scan_worker_created', ['worker_id', 'created_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_worker_created')
        batch_op.drop_index('ix_scan_ticket_operation')
        batch_op.drop_index(batch_op.f('ix_scan_operation_id'))
        batch_op.drop_index('ix_scan_created')
        batch_op.drop_index(batch_op.f('ix_scan_client_id'))

    op.drop_table('scan')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_token'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_id'))

    op.drop_table('ticket')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_order_id'))

    op.drop_table('order_line')
    op.drop_table('worker_work_center')
    with op.batch_alter_table('production_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_order_token'))
        batch_op.drop_index(batch_op.f('ix_production_order_product_id'))
        batch_op.drop_index(batch_op.f('ix_production_order_number'))
        batch_op.drop_index('ix_order_status_due')

    op.drop_table('production_order')
    with op.batch_alter_table('operation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operation_work_center_id'))
        batch_op.drop_index(batch_op.f('ix_operation_product_id'))

    op.drop_table('operation')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_token_hash'))

    op.drop_table('api_token')
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_code'))
        batch_op.drop_index(batch_op.f('ix_worker_badge_token'))

    op.drop_table('worker')
    op.drop_table('workday')
    with op.batch_alter_table('work_center', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_center_code'))

    op.drop_table('work_center')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_code'))

    op.drop_table('product')
    op.drop_table('holiday')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_username'))

    op.drop_table('app_user')

