"""Shared fixtures: a real, migrated database (SQLite file, or PostgreSQL when LINLI_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.db import engine_for, make_engine, upgrade

PG_URL = os.environ.get("LINLI_TEST_DATABASE_URL", "")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the migrations once per test process: a template SQLite file, or a private PostgreSQL schema."""
    if PG_URL.startswith("postgresql"):
        schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _pg_schema_url(PG_URL, schema)
        upgrade(url)
        yield url
        engine_for(url).dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def db_url(_migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if _migrated_template.startswith("postgresql"):
        engine = engine_for(_migrated_template)
        with engine.begin() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'alembic_version'")
                )
            ]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        yield _migrated_template
    else:
        path = tmp_path / "linli.db"
        shutil.copyfile(_migrated_template, path)
        url = f"sqlite:///{path}"
        yield url
        engine_for(url).dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(env="test", database_url=db_url, _env_file=None)


@pytest.fixture
def engine(db_url: str) -> Engine:
    return engine_for(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
