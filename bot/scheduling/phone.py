"""电话回访: the phone tasks (outbox rows of kind "phone_task") as staff see and finish them.

A phone task is written when a survey got no answer in 72 h (`jobs.survey_followups`, key
``survey-phone:<number>:<round>``) or when a message to a resident could not be delivered because the
48-hour window was closed (`sender._reroute`, key ``<source key>:phone_task``). Staff phone the resident and
record the outcome here:

    pending ──已联系──▶ sent (done; a survey task's answer goes through tickets.record_survey)
       └──联系不上──▶ pending, attempts + 1, last_error = the note (the next shift sees it)

Scope follows the ticket pages: a task with a ticket is seen by whoever may see that ticket
(`service.can_see`); one without a ticket, or whose ticket has no grid, by whoever covers the resident's
grid; one with no grid at all only by the street (街道管理员).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.models import Outbox, utcnow
from bot.org.models import Grid, Resident, Staff
from bot.org.service import sees_place
from bot.scheduling.models import Survey
from bot.tickets import service as tickets
from bot.tickets.errors import InvalidTransition, NotFound, PermissionDenied
from bot.tickets.models import STATUSES, Ticket

KIND = "phone_task"
OUTCOMES = {"reached": "已联系", "no_answer": "联系不上"}
SATISFACTION_CHOICES = {5: "满意", 3: "基本满意", 1: "不满意"}  # the chat survey's words on its 1–5 scale
SURVEY_SOURCES = ("survey:", "survey-remind:", "survey-phone:")
MAX_NOTE = 500
MAX_CALLS_KEPT = 20


@dataclass
class PhoneTask:
    """One open (or finished) phone task with what staff need to make the call."""

    row: Outbox
    ticket: Ticket | None
    resident: Resident | None
    grid: Grid | None
    survey_round: int | None  # set when the call is a 回访 for this round of the ticket

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def reason(self) -> str:
        return str(self.row.payload.get("reason") or "需要电话联系居民")

    @property
    def text(self) -> str:
        return str(self.row.payload.get("text") or "")

    @property
    def ticket_number(self) -> str | None:
        return self.ticket.number if self.ticket else self.row.payload.get("ticket")

    @property
    def openid_hint(self) -> str:
        """Never the whole openid: enough characters to tell two residents apart, no more."""
        return (self.row.recipient or "")[:6] + "…"

    @property
    def is_survey(self) -> bool:
        return self.survey_round is not None

    @property
    def awaiting_survey(self) -> bool:
        """The ticket still waits for this round's answer (else the call is only noted)."""
        return (self.is_survey and self.ticket is not None and self.ticket.status == "resolved"
                and self.ticket.reopen_count == self.survey_round)

    @property
    def calls(self) -> list[dict[str, Any]]:
        return list(self.row.payload.get("calls") or [])

    def waited(self, now: datetime) -> timedelta:
        created = self.row.created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=now.tzinfo)
        return now - created


def _survey_round(row: Outbox) -> int | None:
    """The survey round of a task made from a survey (expired, or its question/reminder undeliverable)."""
    source = str(row.payload.get("source_key") or row.idempotency_key)
    if not source.startswith(SURVEY_SOURCES):
        return None
    parts = source.split(":")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None


def _views(session: Session, rows: list[Outbox]) -> list[PhoneTask]:
    """Tickets, residents and grids for many tasks in three queries."""
    numbers = {r.payload.get("ticket") for r in rows} - {None}
    by_number = {t.number: t for t in session.execute(select(Ticket).where(Ticket.number.in_(numbers))).scalars()} \
        if numbers else {}
    keys = {(r.channel, r.recipient) for r in rows}
    residents = {(p.channel, p.openid): p for p in session.execute(
        select(Resident).where(Resident.openid.in_({k[1] for k in keys}))).scalars()
        if (p.channel, p.openid) in keys} if keys else {}
    extra_ids = {t.resident_id for t in by_number.values() if t.resident_id} - {p.id for p in residents.values()}
    by_id = {p.id: p for p in session.execute(select(Resident).where(Resident.id.in_(extra_ids))).scalars()} \
        if extra_ids else {}
    grids = {g.id: g for g in session.execute(select(Grid)).scalars()}
    out = []
    for r in rows:
        ticket = by_number.get(r.payload.get("ticket"))
        resident = residents.get((r.channel, r.recipient)) or (by_id.get(ticket.resident_id) if ticket else None)
        grid_id = (ticket.grid_id if ticket else None) or (resident.grid_id if resident else None)
        out.append(PhoneTask(row=r, ticket=ticket, resident=resident, grid=grids.get(grid_id),
                             survey_round=_survey_round(r)))
    return out


def can_see(task: PhoneTask, actor: Staff | None) -> bool:
    """The ticket's scope, else (no ticket, or a ticket without a grid) the resident's grid; no grid: street only."""
    if actor is None:
        return True
    if not actor.active:
        return False
    if task.ticket is not None and tickets.can_see(task.ticket, actor):
        return True
    if actor.role == "dept_handler" or (task.ticket is not None and task.ticket.grid_id is not None):
        return False  # a ticket with a grid is that grid's; one without falls back to the resident's grid
    grid = task.grid
    return sees_place(actor, grid_id=grid.id if grid else None, community_id=grid.community_id if grid else None)


def open_tasks(*, session: Session, actor: Staff | None, limit: int = 200) -> list[PhoneTask]:
    """Open phone tasks this person may see, oldest first."""
    rows = list(session.execute(select(Outbox).where(Outbox.kind == KIND, Outbox.status == "pending")
                                .order_by(Outbox.created_at, Outbox.id)).scalars())
    return [t for t in _views(session, rows) if can_see(t, actor)][:limit]


def count_open(*, session: Session, actor: Staff | None) -> int:
    return len(open_tasks(session=session, actor=actor, limit=100000))


def get_task(*, session: Session, actor: Staff | None, task_id: int) -> PhoneTask:
    row = session.get(Outbox, task_id)
    if row is None or row.kind != KIND:
        raise NotFound("没有这条电话任务")
    [task] = _views(session, [row])
    if not can_see(task, actor):
        raise PermissionDenied("这条电话任务不在您的负责范围内")
    return task


def record_call(*, session: Session, actor: Staff, task_id: int, outcome: str, note: str | None = None,
                resolved: bool | None = None, satisfaction: int | None = None,
                now: datetime | None = None) -> PhoneTask:
    """Record one call. 已联系 finishes the task (a survey answer goes through tickets.record_survey, exactly as
    in chat); 联系不上 keeps it open with the attempt counted. Bad input raises before anything changes."""
    now = now or utcnow()
    task = get_task(session=session, actor=actor, task_id=task_id)
    row = task.row
    if row.status != "pending":
        raise InvalidTransition("这条电话任务已经处理过了")
    if outcome not in OUTCOMES:
        raise InvalidTransition("请选择通话结果：已联系 或 联系不上")
    note = (note or "").strip()[:MAX_NOTE]
    survey_answer = resolved is not None or satisfaction is not None
    if outcome == "no_answer":
        _log_call(row, actor, outcome, note or "无人接听", now)
        row.attempts += 1
        row.last_error = note or "无人接听"
        session.add(row)
        session.flush()
        return task
    if not note:
        raise InvalidTransition("请填写通话情况")
    if task.is_survey and (task.awaiting_survey or survey_answer):
        _record_survey_answer(session, task, actor, note=note, resolved=resolved, satisfaction=satisfaction, now=now)
    elif survey_answer:
        raise InvalidTransition("这条任务不是回访，不需要填写是否解决和满意度")
    _finish(row, actor, note, now)
    session.add(row)
    session.flush()
    return task


def _record_survey_answer(session: Session, task: PhoneTask, actor: Staff, *, note: str, resolved: bool | None,
                          satisfaction: int | None, now: datetime) -> None:
    ticket = task.ticket
    if ticket is None:
        raise InvalidTransition(f"找不到工单 {task.ticket_number}，无法记录回访结果")
    if not task.awaiting_survey:
        raise InvalidTransition(f"工单 {ticket.number} 当前为「{STATUSES.get(ticket.status, ticket.status)}」，"
                                "已不在待回访状态，请只记录通话情况")
    if actor.id in {ticket.reporter_staff_id, ticket.reviewer_id, ticket.handler_id}:
        raise PermissionDenied("巡办分离：上报、初审或办理本案的人不能记录本案的回访结果，请由其他同事回访")
    if resolved is None:
        raise InvalidTransition("请选择问题是否已解决")
    if satisfaction is None or not 1 <= satisfaction <= 5:  # the chat survey's scale; the form offers 5 / 3 / 1
        raise InvalidTransition("请选择满意度：满意 / 基本满意 / 不满意")
    tickets.record_survey(session=session, ticket=ticket, resolved=resolved, satisfaction=satisfaction, now=now,
                          recorded_by=actor, note=note)
    survey = session.execute(select(Survey).where(Survey.ticket_id == ticket.id,
                                                  Survey.round == task.survey_round)).scalar_one_or_none()
    if survey is not None:  # answered: never asked or reminded again, like survey_flow's _finish
        survey.status, survey.answered_at = "answered", now
        survey.resolved, survey.satisfaction = resolved, satisfaction
        survey.answers = {**(survey.answers or {}), "resolved": resolved, "satisfaction": satisfaction,
                          "by_phone": True, "staff": actor.username, "note": note}
        session.add(survey)
        from bot.scheduling.jobs import _close_flow

        _close_flow(session, survey)  # a survey question still open in chat would ask again
    for other in session.execute(select(Outbox).where(Outbox.kind == KIND, Outbox.status == "pending",
                                                      Outbox.id != task.id)).scalars():
        if other.payload.get("ticket") == ticket.number and _survey_round(other) == task.survey_round:
            _finish(other, actor, f"已由电话任务 #{task.id} 完成回访", now)  # the same survey asked twice
            session.add(other)


def _finish(row: Outbox, actor: Staff, note: str, now: datetime) -> None:
    _log_call(row, actor, "reached", note, now)
    row.status, row.sent_at, row.last_error = "sent", now, note


def _log_call(row: Outbox, actor: Staff, outcome: str, note: str, now: datetime) -> None:
    calls = [*(row.payload.get("calls") or []), {"at": now.isoformat(), "staff": actor.display_name,
                                                 "outcome": outcome, "note": note}][-MAX_CALLS_KEPT:]
    row.payload = {**row.payload, "calls": calls}  # a new dict, so the JSON column is written
