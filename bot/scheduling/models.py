"""Scheduler tables: leases (one scheduler, one token refresher), the cached access token, surveys, announcements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow


class Lease(SQLModel, table=True):
    """A named lease: who holds it until when (the scheduler, a token refresh, a sending pause)."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str | None = Field(default=None, max_length=128)
    expires_at: datetime | None = None
    note: str | None = Field(default=None, max_length=200)


class ApiToken(SQLModel, table=True):
    """A cached access token (WeChat), shared by every process; refreshed early by one refresher."""

    __tablename__ = "api_token"
    name: str = Field(primary_key=True, max_length=64)
    value: str | None = Field(default=None, max_length=600)
    expires_at: datetime | None = None
    refreshed_at: datetime | None = None


class Survey(SQLModel, table=True):
    """回访: the resident is asked after 办结 whether it was solved and how satisfied they are."""

    __table_args__ = (UniqueConstraint("ticket_id", "round"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    round: int = 0  # the ticket's reopen_count when asked: a reopened and again resolved ticket is asked again
    number: str = Field(max_length=32)
    channel: str = Field(default="wechat", max_length=16)
    openid: str = Field(max_length=128, index=True)
    status: str = Field(default="asked", max_length=16, index=True)  # asked | reminded | answered | expired
    asked_at: datetime = Field(default_factory=utcnow)
    reminded_at: datetime | None = None
    answered_at: datetime | None = None
    expired_at: datetime | None = None
    resolved: bool | None = None
    satisfaction: int | None = None
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Announcement(SQLModel, table=True):
    """A notice or emergency alert to grid groups; its outbox rows carry the key announce:<id>:<grid>."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    urgent: bool = False
    author: str | None = Field(default=None, max_length=64)
    grid_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: int = 0
    created_at: datetime = Field(default_factory=utcnow)
