"""Deadlines: each SLA, due soon at 75%, overdue, the 督办 ladder, and an extension moving the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import Outbox
from bot.tickets import service
from bot.tickets.deadlines import deadline_for, sla_hours
from tests.tickets.conftest import T0


@pytest.mark.parametrize("sla,urgency,hours", [
    ("emergency", "normal", 2), ("utility", "normal", 24), ("ordinary", "normal", 168), ("complex", "normal", 360),
    ("ordinary", "emergency", 2), (None, "normal", 168), ("nonsense", "high", 168),
])
def test_each_sla_has_its_deadline(sla, urgency, hours):
    assert deadline_for(sla=sla, urgency=urgency, created_at=T0) == T0 + timedelta(hours=hours)


def test_sla_hours_can_be_configured(monkeypatch):
    class S:
        sla_hours = {"ordinary": 72}

    monkeypatch.setenv("LINLI_SLA_HOURS_UTILITY", "12")
    assert sla_hours(S()) | {} == {"emergency": 2, "utility": 12.0, "ordinary": 72.0, "complex": 360}
    assert deadline_for(sla="utility", urgency="normal", created_at=T0) == T0 + timedelta(hours=12)


def test_due_soon_at_three_quarters_then_overdue(org):
    t = org.ticket(sla="utility", now=T0)  # 24 h
    state = lambda h: service.deadline_state(ticket=t, now=T0 + timedelta(hours=h))  # noqa: E731
    assert [state(0), state(17.9), state(18), state(23.9), state(24)] == ["ok", "ok", "due_soon", "due_soon", "overdue"]
    t.status = "resolved"
    assert state(30) == "none"


def test_reminders_are_due_once(org):
    s = org.session
    t = org.ticket(sla="utility", now=T0)
    assert service.due_for_reminder(session=s, now=T0 + timedelta(hours=17)) == []
    assert service.due_for_reminder(session=s, now=T0 + timedelta(hours=18)) == [t]
    service.mark_reminded(session=s, ticket=t, now=T0 + timedelta(hours=18))
    assert service.due_for_reminder(session=s, now=T0 + timedelta(hours=20)) == []
    assert [x.number for x in service.list_tickets(session=s, queue="due_soon", now=T0 + timedelta(hours=20))] == [t.number]


def test_escalation_climbs_one_level_at_a_time_and_only_once_per_level(org):
    s = org.session
    t = org.ticket(sla="utility", now=T0)  # due at T0+24h; 社区 at +36h; 街道 at +48h
    esc = lambda h: [(x.number, lvl) for x, lvl in service.escalate_overdue(session=s, now=T0 + timedelta(hours=h))]  # noqa: E731
    assert esc(23) == []
    assert esc(25) == [(t.number, 1)]
    assert esc(26) == []
    assert esc(36) == [(t.number, 2)]
    assert esc(40) == []
    assert esc(60) == [(t.number, 3)]
    assert esc(70) == []
    robots = s.execute(select(Outbox).where(Outbox.kind == "robot").order_by(Outbox.id)).scalars().all()
    assert [(r.recipient, r.urgent) for r in robots] == [(f"grid:{t.grid_id}", False), (f"grid:{t.grid_id}", True),
                                                          ("street", True)]
    assert [e.reason for e in service.timeline(session=s, ticket=t) if e.action == "escalate"] == [
        "超期督办：网格长", "超期督办：社区", "超期督办：街道"]


def test_an_extension_moves_the_deadline_and_starts_reminders_over(org):
    s = org.session
    chief1, dept1 = org.staff("chief1"), org.staff("dept1")
    t = org.ticket(sla="utility", now=T0)
    service.review(session=s, actor=org.staff("grid1"), ticket=t, now=T0)
    service.dispatch(session=s, actor=chief1, ticket=t, handler_id=dept1.id, now=T0)
    service.escalate_overdue(session=s, now=T0 + timedelta(hours=25))
    service.mark_reminded(session=s, ticket=t, now=T0 + timedelta(hours=25))
    assert t.escalation_level == 1
    service.extend(session=s, actor=dept1, ticket=t, until=T0 + timedelta(hours=72), reason="等配件",
                   approver_id=chief1.id, now=T0 + timedelta(hours=26))
    assert (t.deadline_at, t.escalation_level, t.reminded_at) == (T0 + timedelta(hours=72), 0, None)
    assert service.deadline_state(ticket=t, now=T0 + timedelta(hours=30)) == "ok"
    assert service.escalate_overdue(session=s, now=T0 + timedelta(hours=30)) == []


def test_an_emergency_is_due_in_two_hours_and_alerts_at_once(org):
    s = org.session
    t = org.ticket(kind="emergency", text="3号楼楼道有很重的煤气味", category="燃气", now=T0)
    assert (t.urgency, t.sla, t.deadline_at) == ("emergency", "emergency", T0 + timedelta(hours=2))
    alert = s.execute(select(Outbox).where(Outbox.kind == "robot")).scalar_one()
    assert alert.urgent and alert.recipient == f"grid:{t.grid_id}" and t.number in alert.payload["text"]


def test_a_dispatcher_may_set_an_earlier_deadline(org):
    s = org.session
    t = org.ticket(now=T0)
    service.review(session=s, actor=org.staff("grid1"), ticket=t, now=T0)
    service.dispatch(session=s, actor=org.staff("chief1"), ticket=t, handler_id=org.staff("grid1").id,
                     deadline_at=T0 + timedelta(hours=8), now=T0)
    assert t.deadline_at == T0 + timedelta(hours=8)
