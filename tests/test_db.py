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


def test_migrations_form_one_line_and_match_the_models(engine):
    """Every table and column the models declare is created by the migrations, and nothing else."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from bot.db import alembic_config
    from bot.models_registry import metadata

    assert len(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads()) == 1
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    def apscheduler_own(d) -> bool:  # APScheduler creates its job table (and index) itself
        obj = d[1]
        table = obj if d[0] == "remove_table" else getattr(obj, "table", None)
        return table is not None and table.name.startswith("apscheduler")

    diff = [d for d in diff if not apscheduler_own(d)]
    assert diff == []


def test_json_columns_are_written_as_json_dumps_would_read_them():
    import json

    from bot.db import json_dumps

    value = {"classification": {"intent": "complaint", "evidence": [{"rule": "complaint.explicit", "keyword": "投诉"}]},
             1: "an int key", "scores": (0.5, 0.25)}
    assert json.loads(json_dumps(value)) == {"classification": value["classification"], "1": "an int key",
                                             "scores": [0.5, 0.25]}
