"""Ticket tables."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models import utcnow


class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=32)  # complaint | service_request | suggestion | emergency
    category: str | None = Field(default=None, max_length=64, index=True)
    department: str | None = Field(default=None, max_length=64)
    text: str
    resident: str | None = Field(default=None, max_length=128, index=True)  # openid; None when anonymous
    channel: str | None = Field(default=None, max_length=16)
    grid: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default="submitted", max_length=32, index=True)
    urgency: str = Field(default="normal", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True)
