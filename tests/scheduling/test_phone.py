"""bot.scheduling.phone: which tasks are survey calls, scope without a ticket, one answer closes duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import Outbox
from bot.outbox import enqueue
from bot.scheduling import jobs, phone
from bot.scheduling.models import Survey
from bot.tickets.errors import InvalidTransition, NotFound, PermissionDenied
from tests.scheduling.test_jobs import resolved
from tests.tickets.conftest import T0


def tasks(session) -> list[Outbox]:
    return list(session.execute(select(Outbox).where(Outbox.kind == "phone_task").order_by(Outbox.id)).scalars())


def test_survey_round_is_read_from_the_key_or_the_rerouted_source():
    row = lambda key, **p: Outbox(idempotency_key=key, kind="phone_task", recipient="o", payload=p)  # noqa: E731
    assert phone._survey_round(row("survey-phone:261123-00001:2")) == 2
    assert phone._survey_round(row("survey:261123-00001:0:phone_task", source_key="survey:261123-00001:0")) == 0
    assert phone._survey_round(row("x:phone_task", source_key="survey-remind:261123-00001:1")) == 1
    assert phone._survey_round(row("ticket-notify:261123-00001:7:phone_task",
                                   source_key="ticket-notify:261123-00001:7")) is None


def test_the_survey_asked_twice_is_closed_once_answered_by_phone(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    # the question hit the 48-hour window (what sender._reroute writes), then the survey expired too
    enqueue(session=s, key=f"survey:{t.number}:0:phone_task", kind="phone_task", recipient="oResident001",
            payload={"text": "问题解决了吗？", "reason": "45015：超出48小时客服消息窗口，请电话联系",
                     "source_key": f"survey:{t.number}:0", "ticket": t.number})
    jobs.survey_followups(session=s, now=T0 + timedelta(hours=73))
    first, second = tasks(s)
    assert [phone.get_task(session=s, actor=None, task_id=x.id).awaiting_survey for x in (first, second)] == [True, True]
    caller = org.staff("community1")
    phone.record_call(session=s, actor=caller, task_id=second.id, outcome="reached", note="满意",
                      resolved=True, satisfaction=3, now=T0 + timedelta(hours=74))
    assert t.status == "closed" and t.satisfaction == 3
    assert [x.status for x in tasks(s)] == ["sent", "sent"] and "已由电话任务" in first.last_error
    assert s.execute(select(Survey)).scalar_one().status == "answered"
    assert phone.open_tasks(session=s, actor=None) == []


def test_refusals_change_nothing(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    jobs.survey_followups(session=s, now=T0 + timedelta(hours=73))
    [task] = tasks(s)
    with pytest.raises(NotFound):
        phone.record_call(session=s, actor=org.staff("grid1"), task_id=task.id + 100, outcome="no_answer")
    with pytest.raises(PermissionDenied):  # G01's ticket, a G02 worker
        phone.record_call(session=s, actor=org.staff("grid2"), task_id=task.id, outcome="no_answer")
    with pytest.raises(InvalidTransition, match="满意度"):
        phone.record_call(session=s, actor=org.staff("community1"), task_id=task.id, outcome="reached", note="x",
                          resolved=True, satisfaction=9)
    assert (task.status, task.attempts, t.status) == ("pending", 0, "resolved")
