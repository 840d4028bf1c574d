"""Ticket tables: the case, its timeline, and anonymous opinions (连心树) that carry no sender at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.models import utcnow

STATUSES = {
    "submitted": "受理",
    "under_review": "初审",
    "dispatched": "派单",
    "in_progress": "办理",
    "returned": "退单",
    "resolved": "办结",
    "surveyed": "回访",
    "closed": "关闭",
}
KINDS = {"complaint": "投诉/举报", "service_request": "求助/办事", "suggestion": "建议", "emergency": "紧急"}


class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=32)  # a key of KINDS
    category: str | None = Field(default=None, max_length=64, index=True)
    department: str | None = Field(default=None, max_length=64)  # the classifier's domain, e.g. 城建
    text: str
    channel: str | None = Field(default=None, max_length=16)
    resident: str | None = Field(default=None, max_length=128, index=True)  # openid; None when anonymous
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)  # the grid's, for scope
    building_id: int | None = Field(default=None, foreign_key="building.id")
    location: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # {lat, lng, label}
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="submitted", max_length=32, index=True)
    urgency: str = Field(default="normal", max_length=16)  # emergency | high | normal
    sla: str = Field(default="ordinary", max_length=16)  # emergency | utility | ordinary | complex
    deadline_at: datetime | None = Field(default=None, index=True)
    clock_started_at: datetime | None = None  # when the current deadline's clock started (75% = due soon)
    escalation_level: int = 0  # 0 none, 1 网格长, 2 社区, 3 街道
    reminded_at: datetime | None = None
    reporter_staff_id: int | None = Field(default=None, foreign_key="staff.id")  # a staff member who reported it
    reviewer_id: int | None = Field(default=None, foreign_key="staff.id")  # who did 初审
    dispatcher_id: int | None = Field(default=None, foreign_key="staff.id")
    handler_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)  # duplicate of
    resolution: str | None = None
    satisfaction: int | None = None  # 1..5
    resolved_confirmed: bool | None = None  # the resident's 已解决? answer
    reopen_count: int = 0
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    withdrawn_at: datetime | None = None  # the resident withdrew it (撤回): closed, and not counted in 解决率
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's timeline: who, when, what, why."""

    __tablename__ = "ticket_event"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    actor_label: str = Field(max_length=64)  # 居民 / 系统 / a staff member's name
    action: str = Field(max_length=32)  # submit | review | dispatch | accept | return | reassign | extend | ...
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    reason: str | None = None
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class AnonymousOpinion(SQLModel, table=True):
    """连心树: an opinion stored with no link at all to who sent it (no openid, no time finer than a day)."""

    __tablename__ = "anonymous_opinion"
    id: int | None = Field(default=None, primary_key=True)
    text: str
    category: str | None = Field(default=None, max_length=64)
    community_id: int | None = Field(default=None, foreign_key="community.id")
    day: str = Field(max_length=10)  # YYYY-MM-DD only
    status: str = Field(default="new", max_length=16)
    reply: str | None = None
