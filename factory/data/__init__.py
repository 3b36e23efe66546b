"""Reading and writing the database: a `Session` in, rows or dataclasses out, keyword-only.
Data functions never commit: the caller opens the one write transaction (`data.db.write_transaction`)."""
