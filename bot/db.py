"""Engine, sessions and migrations: SQLite (WAL) by default, PostgreSQL from the URL alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def json_dumps(value) -> str:  # noqa: ANN001
    """JSON for the JSON columns: orjson, about 4x faster than json.dumps on a classification with its evidence.
    Non-string keys are written as strings, as json.dumps does."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys so several processes can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=json_dumps)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below), so SAVEPOINT works
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # Take the write lock up front: with several processes, a deferred transaction that later
            # writes can fail at once with SQLITE_BUSY_SNAPSHOT instead of waiting for busy_timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=json_dumps)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    from bot.config import get_settings

    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Apply every migration (all heads) to the database at `url`."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


def dialect_insert(dialect: str):  # noqa: ANN201
    """The INSERT construct with ON CONFLICT of the dialect's name (PostgreSQL's, else SQLite's)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


@lru_cache(maxsize=64)
def _insert_ignoring(dialect: str, table, returning: str | None = None):  # noqa: ANN001
    """INSERT … ON CONFLICT DO NOTHING RETURNING <key>, built once per table (building it costs more than running it)."""
    insert = dialect_insert(dialect)
    key = [table.c[returning]] if returning else list(table.primary_key)
    return insert(table).on_conflict_do_nothing().returning(*key)


def _core_table(table):  # noqa: ANN001
    return getattr(table, "__table__", table)


def insert_ignore(session, table, values: dict) -> bool:  # noqa: ANN001
    """INSERT … ON CONFLICT DO NOTHING on SQLite or PostgreSQL; True when the row was inserted.

    No SAVEPOINT and no ORM flush: the cheap way to claim a unique key on the message hot path.
    RETURNING rather than rowcount: PostgreSQL drivers report -1 for an insert that returns rows.
    """
    conn = session.connection()
    stmt = _insert_ignoring(conn.dialect.name, _core_table(table))
    return conn.execute(stmt, values).first() is not None


def insert_ignore_many(session, table, rows: list[dict], key: str) -> set:  # noqa: ANN001
    """Claim many unique keys in one statement; the `key` values of the rows that were inserted.

    Rows go in key order, so two processes claiming overlapping keys take the locks in the same order
    (no deadlock on PostgreSQL); a key twice in `rows` is inserted once.
    """
    if not rows:
        return set()
    conn = session.connection()
    stmt = _insert_ignoring(conn.dialect.name, _core_table(table), key)
    unique = {row[key]: row for row in rows}
    ordered = [unique[k] for k in sorted(unique)]
    return {row[0] for row in conn.execute(stmt, ordered)}


PENDING_COUNTS = "linli.pending_counts"  # session.info key: counters a batch writes once at its end


def count_later(session, writer: Callable, key) -> bool:  # noqa: ANN001
    """Add one to `key` for `writer(session, counts)` to write when the batch's transaction is written.

    Only when the session collects counters for a batch (the message processor's does): True then; False
    otherwise, and the caller writes at once. Counters of a message that fails are dropped with it."""
    pending = session.info.get(PENDING_COUNTS)
    if pending is None:
        return False
    pending.setdefault(writer, Counter())[key] += 1
    return True
