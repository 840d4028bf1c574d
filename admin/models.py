"""Admin tables: server-side sessions, the audit log, canned replies and background job progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class AdminSession(SQLModel, table=True):
    """A logged-in browser: the cookie carries only the signed id; idle expiry uses last_seen_at."""

    __tablename__ = "admin_session"
    id: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    csrf_token: str = Field(max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Who did what, when, to which target, from which address."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    username: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    target: str | None = Field(default=None, max_length=200)
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    ip: str | None = Field(default=None, max_length=64)


class CannedReply(SQLModel, table=True):
    """A ready-made answer staff insert into a chat (快捷回复)."""

    __tablename__ = "canned_reply"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=64)
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class AdminJob(SQLModel, table=True):
    """A background task (FAQ import/export, announcement) and its progress, polled by the page."""

    __tablename__ = "admin_job"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    status: str = Field(default="running", max_length=16)  # running | done | failed
    total: int = 0
    done: int = 0
    message: str | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
