"""statement writes: no foreign key on statement_index, partial indexes for references

Every statement writes about ten `statement_index` rows.  Their foreign key made the
database look up the parent statement once per row — work with no benefit, since the
store writes the rows in the statement's own transaction and statements are never
deleted.  Measured on PostgreSQL 15, 2M index rows: 27.6 s with the key, 21.0 s without.
On SQLite the table is rebuilt without the key and WITHOUT ROWID (the primary key is the
table: one B-tree fewer per row).

`object_statement_id` and `voiding_target` are NULL for nearly every statement; their
indexes now hold only the rows that have one (every lookup is `= value` or `IN (...)`).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PARTIAL = (("ix_statements_object_statement", "object_statement_id"),
           ("ix_statements_voiding_target", "voiding_target"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_index_table(without_rowid=True, foreign_key=False)
    else:
        for foreign_key in sa.inspect(op.get_bind()).get_foreign_keys("statement_index"):
            if foreign_key["name"]:  # PostgreSQL names every constraint
                op.drop_constraint(foreign_key["name"], "statement_index", type_="foreignkey")
    for name, column in PARTIAL:
        op.drop_index(name, table_name="statements")
        op.create_index(name, "statements", [column],
                        postgresql_where=sa.text(f"{column} IS NOT NULL"),
                        sqlite_where=sa.text(f"{column} IS NOT NULL"))


def downgrade() -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name="statements")
        op.create_index(name, "statements", [column])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_index_table(without_rowid=False, foreign_key=True)
    else:
        op.create_foreign_key("statement_index_statement_seq_fkey", "statement_index",
                              "statements", ["statement_seq"], ["seq"], ondelete="CASCADE")


def _rebuild_sqlite_index_table(*, without_rowid: bool, foreign_key: bool) -> None:
    reference = " REFERENCES statements (seq) ON DELETE CASCADE" if foreign_key else ""
    op.execute(
        "CREATE TABLE statement_index_new ("
        f"statement_seq INTEGER NOT NULL{reference}, "
        "kind VARCHAR(16) NOT NULL, value TEXT NOT NULL, "
        "CONSTRAINT pk_statement_index PRIMARY KEY (kind, value, statement_seq))"
        + (" WITHOUT ROWID" if without_rowid else ""))
    op.execute("INSERT INTO statement_index_new (statement_seq, kind, value) "
               "SELECT statement_seq, kind, value FROM statement_index")
    op.execute("DROP TABLE statement_index")
    op.execute("ALTER TABLE statement_index_new RENAME TO statement_index")
    op.create_index("ix_statement_index_seq", "statement_index", ["statement_seq"])
