"""bundle_progress: each bundle's sums per operation, kept by a trigger on every scan insert

Revision ID: 0014_bundle_progress
Revises: 0009_floor
Create Date: 2026-11-30 15:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_bundle_progress"
down_revision: Union[str, None] = "0009_floor"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime

# Every scan inserted, by any path (the app, an import, a restore), adds its pieces to its bundle's
# row for its operation: the bundle is its ticket's first ticket (a reissue counts with the one it
# replaces). Scans are never updated or deleted (a correction is a new row), so inserts are enough.
SQLITE_TRIGGER = """
CREATE TRIGGER scan_into_bundle_progress AFTER INSERT ON scan
BEGIN
    INSERT INTO bundle_progress (bundle_id, operation_id, good, defects, last_worked_at)
    VALUES ((SELECT coalesce(bundle_id, id) FROM ticket WHERE id = NEW.ticket_id), NEW.operation_id,
            NEW.good, NEW.defects, NEW.worked_at)
    ON CONFLICT (bundle_id, operation_id) DO UPDATE SET
        good = bundle_progress.good + excluded.good,
        defects = bundle_progress.defects + excluded.defects,
        last_worked_at = max(bundle_progress.last_worked_at, excluded.last_worked_at);
END
"""
POSTGRESQL_FUNCTION = """
CREATE FUNCTION scan_into_bundle_progress() RETURNS trigger AS $$
BEGIN
    INSERT INTO bundle_progress (bundle_id, operation_id, good, defects, last_worked_at)
    SELECT coalesce(t.bundle_id, t.id), NEW.operation_id, NEW.good, NEW.defects, NEW.worked_at
    FROM ticket t WHERE t.id = NEW.ticket_id
    ON CONFLICT (bundle_id, operation_id) DO UPDATE SET
        good = bundle_progress.good + EXCLUDED.good,
        defects = bundle_progress.defects + EXCLUDED.defects,
        last_worked_at = greatest(bundle_progress.last_worked_at, EXCLUDED.last_worked_at);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER scan_into_bundle_progress AFTER INSERT ON scan
FOR EACH ROW EXECUTE FUNCTION scan_into_bundle_progress()
"""
BACKFILL = """
INSERT INTO bundle_progress (bundle_id, operation_id, good, defects, last_worked_at)
SELECT coalesce(t.bundle_id, t.id), s.operation_id, sum(s.good), sum(s.defects), max(s.worked_at)
FROM scan s JOIN ticket t ON t.id = s.ticket_id
GROUP BY coalesce(t.bundle_id, t.id), s.operation_id
"""


def upgrade() -> None:
    op.create_table(
        "bundle_progress",
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("last_worked_at", WHEN(), nullable=False),
        sa.ForeignKeyConstraint(["bundle_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["operation_id"], ["operation.id"]),
        sa.PrimaryKeyConstraint("bundle_id", "operation_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # No scan may commit between the backfill's snapshot and the trigger (it would be in
        # neither): hold new scans until this migration commits. SQLite's migration already holds
        # the database's write lock from its first statement.
        op.execute("LOCK TABLE scan IN SHARE ROW EXCLUSIVE MODE")
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS scan_into_bundle_progress" +
               (" ON scan" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS scan_into_bundle_progress()")
    op.drop_table("bundle_progress")
