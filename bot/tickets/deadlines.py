"""Deadline rules (时限): hours per SLA, due-soon at 75%, overdue, and the 督办 escalation ladder."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

SLA_HOURS = {"emergency": 2, "utility": 24, "ordinary": 7 * 24, "complex": 15 * 24}
SLA_NAMES = {"emergency": "紧急（2小时）", "utility": "水电气暖（24小时）", "ordinary": "一般（7天）", "complex": "复杂（15天）"}
DUE_SOON_AT = 0.75  # share of the time used at which a ticket is 即将超期
# overdue by this share of the ticket's own time span -> escalation level (1 网格长, 2 社区, 3 街道)
ESCALATION_STEPS = ((1, 0.0), (2, 0.5), (3, 1.0))
ESCALATION_NAMES = {1: "网格长", 2: "社区", 3: "街道"}
OPEN_STATUSES = ("submitted", "under_review", "dispatched", "in_progress", "returned")


def sla_hours(settings: Any = None) -> dict[str, float]:
    """The hours per SLA: defaults, then `settings.sla_hours` (a dict) if present, then LINLI_SLA_HOURS_<SLA>."""
    hours: dict[str, float] = dict(SLA_HOURS)
    overrides = getattr(settings, "sla_hours", None)
    if isinstance(overrides, dict):
        hours.update({k: float(v) for k, v in overrides.items() if k in hours})
    for name in hours:
        value = os.environ.get(f"LINLI_SLA_HOURS_{name.upper()}")
        if value:
            hours[name] = float(value)
    return hours


def effective_sla(*, sla: str | None, urgency: str | None) -> str:
    """An emergency is always the 2-hour SLA; unknown SLAs count as ordinary."""
    if urgency == "emergency":
        return "emergency"
    return sla if sla in SLA_HOURS else "ordinary"


def deadline_for(*, sla: str | None, urgency: str | None, created_at: datetime, settings: Any = None) -> datetime:
    """When a ticket opened at `created_at` is due."""
    return created_at + timedelta(hours=sla_hours(settings)[effective_sla(sla=sla, urgency=urgency)])


def used_share(*, start: datetime, deadline: datetime, now: datetime) -> float:
    """The share of the time between start and deadline already gone (above 1 when overdue)."""
    span = (deadline - start).total_seconds()
    if span <= 0:
        return float("inf") if now >= deadline else 0.0
    return (now - start).total_seconds() / span


def deadline_state(*, ticket, now: datetime) -> str:
    """ok | due_soon (≥75% used) | overdue | none (no deadline, or no longer open)."""
    if ticket.deadline_at is None or ticket.status not in OPEN_STATUSES:
        return "none"
    if now >= ticket.deadline_at:
        return "overdue"
    start = ticket.clock_started_at or ticket.created_at
    return "due_soon" if used_share(start=start, deadline=ticket.deadline_at, now=now) >= DUE_SOON_AT else "ok"


def escalation_target(*, ticket, now: datetime) -> int:
    """The 督办 level an overdue ticket should be at now (0 when not overdue)."""
    if deadline_state(ticket=ticket, now=now) != "overdue":
        return 0
    start = ticket.clock_started_at or ticket.created_at
    span = max((ticket.deadline_at - start).total_seconds(), 1.0)
    late = (now - ticket.deadline_at).total_seconds() / span
    return max(level for level, share in ESCALATION_STEPS if late >= share)
