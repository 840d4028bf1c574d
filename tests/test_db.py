"""The migrated database: tables exist, SQLite runs in WAL mode."""

from sqlalchemy import inspect, text


def test_migrations_create_gateway_tables(engine):
    names = set(inspect(engine).get_table_names())
    assert {"conversation", "chat_message", "processed_message", "outbox", "ticket"} <= names


def test_sqlite_runs_in_wal_mode(engine):
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
