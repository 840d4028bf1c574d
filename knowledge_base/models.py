"""FAQ tables: entries, their version history, per-entry hits and the unanswered-question log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from bot.models import utcnow

STATUSES = ("draft", "published", "retired")


class FaqEntry(SQLModel, table=True):
    """One policy question with its answer; only `published` entries inside their dates are ever answered."""

    __tablename__ = "faq_entry"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # the external id (the `id` column of an import file)
    question: str = Field(sa_column=Column(Text, nullable=False))
    alternatives: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answer: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=64, index=True)
    department: str | None = Field(default=None, max_length=128)
    source: str | None = Field(default=None, max_length=500)  # 文号 or URL
    effective_from: date | None = None
    effective_until: date | None = None
    status: str = Field(default="published", max_length=16, index=True)  # draft | published | retired
    version: int = 1
    hit_count: int = 0
    last_hit_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    updated_by: str | None = Field(default=None, max_length=64)


class FaqEntryVersion(SQLModel, table=True):
    """A snapshot of an entry after each change: what it said, who changed it and when."""

    __tablename__ = "faq_entry_version"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="faq_entry.id", index=True)
    version: int
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changed_by: str | None = Field(default=None, max_length=64)
    change: str = Field(default="update", max_length=16)  # create | update | retire | import
    changed_at: datetime = Field(default_factory=utcnow)


class UnansweredQuestion(SQLModel, table=True):
    """A question Linli could not answer, deduplicated by its normalised text, for staff to turn into entries."""

    __tablename__ = "faq_unanswered"
    id: int | None = Field(default=None, primary_key=True)
    normalized: str = Field(max_length=255, unique=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    channel: str | None = Field(default=None, max_length=16)
    user_hash: str | None = Field(default=None, max_length=64)  # sha256 of the user id, never the id itself
    count: int = 1
    best_code: str | None = Field(default=None, max_length=64)  # the closest entry at the time, for staff
    resolved: bool = Field(default=False, index=True)
    entry_id: int | None = Field(default=None, foreign_key="faq_entry.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_asked_at: datetime = Field(default_factory=utcnow, index=True)
