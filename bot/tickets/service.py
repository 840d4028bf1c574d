"""Ticket service: the one layer through which tickets are created, seen and moved (dialogue, admin, CLI, jobs)."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, false, func, or_, select
from sqlmodel import Session

from bot.models import BEIJING, utcnow
from bot.org.models import ROLES, Building, Department, Grid, Staff
from bot.org.service import community_of_grid, get_staff, grid_scope, sees_place
from bot.outbox import enqueue
from bot.tickets import workflow
from bot.tickets.deadlines import (
    ESCALATION_NAMES,
    OPEN_STATUSES,
    deadline_for,
    deadline_state,
    effective_sla,
    escalation_target,
)
from bot.tickets.errors import InvalidTransition, NotFound, PermissionDenied, TicketError
from bot.tickets.models import KINDS, STATUSES, AnonymousOpinion, Ticket, TicketEvent

__all__ = [
    "TicketError", "PermissionDenied", "NotFound", "InvalidTransition", "create_ticket", "find_duplicate",
    "list_tickets", "get_ticket", "timeline", "available_actions", "review", "dispatch", "accept", "resolve",
    "return_ticket", "reassign", "extend", "close", "reopen", "bulk_dispatch", "record_survey", "deadline_for",
    "deadline_state", "due_for_reminder", "mark_reminded", "escalate_overdue", "tickets_of_resident",
    "ticket_public", "event_public", "grid_codes", "handler_name", "local_time", "submit_opinion", "list_opinions",
    "QUEUES", "BEIJING",
]

QUEUES = {"review": "待初审", "dispatch": "待派单", "in_progress": "办理中", "due_soon": "即将超期",
          "overdue": "已超期", "mine": "我的"}
DUPLICATE_WINDOW_HOURS = 72
NOTICES = {
    "dispatch": "您反映的事项（编号 {number}）已派给{handler}办理，办理时限 {deadline}。",
    "resolve": "您反映的事项（编号 {number}）已办结：{resolution}。稍后会请您评价办理结果。",
    "reopen": "您反映的事项（编号 {number}）已重新交办，我们会尽快处理。",
    "close": "您反映的事项（编号 {number}）已办结关闭，感谢您的参与！",
    "reject": "您反映的事项（编号 {number}）经初审未予受理：{reason}。如有疑问请回复「人工」。",
}


def local_time(value: datetime | None) -> str:
    """A UTC timestamp as Beijing time for residents and staff, e.g. 11月30日 18:00."""
    return value.astimezone(BEIJING).strftime("%m月%d日 %H:%M") if value else "—"


def duplicate_window(settings: Any = None) -> timedelta:
    """How far back a report with the same place and category counts as the same problem."""
    hours = getattr(settings, "duplicate_window_hours", None) or os.environ.get("LINLI_DUPLICATE_WINDOW_HOURS")
    return timedelta(hours=float(hours or DUPLICATE_WINDOW_HOURS))


# ---- creation -----------------------------------------------------------------------------------------

def create_ticket(
    *,
    session: Session,
    kind: str,
    text: str,
    resident: str | None,
    channel: str | None = None,
    category: str | None = None,
    department: str | None = None,
    grid_id: int | None = None,
    urgency: str = "normal",
    sla: str | None = None,
    building_id: int | None = None,
    location: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    resident_id: int | None = None,
    reporter_staff_id: int | None = None,
    community_id: int | None = None,
    now: datetime | None = None,
    settings: Any = None,
) -> Ticket:
    """Store a new ticket in 受理 (submitted) numbered YYMMDD-NNNNN (the Beijing date), linked to an open duplicate if there is one.

    `community_id` places a ticket with no grid in a community (a complaint about a grid worker's conduct is
    reviewed there, not in that grid); with a grid, the grid's community is used."""
    now = now or utcnow()
    if kind == "emergency":
        urgency = "emergency"
    sla = effective_sla(sla=sla, urgency=urgency)
    if building_id is not None and grid_id is None:
        building = session.get(Building, building_id)
        grid_id = building.grid_id if building else None
    parent = find_duplicate(session=session, category=category, building_id=building_id, grid_id=grid_id,
                            now=now, settings=settings)
    ticket = Ticket(
        number=f"tmp-{uuid.uuid4().hex[:24]}", kind=kind, text=text, resident=resident, channel=channel,
        category=category, department=department, grid_id=grid_id, building_id=building_id,
        community_id=community_of_grid(session=session, grid_id=grid_id) if grid_id is not None else community_id,
        location=location,
        attachments=list(attachments or []), urgency=urgency, sla=sla, resident_id=resident_id,
        reporter_staff_id=reporter_staff_id, parent_id=parent.id if parent else None, created_at=now,
        updated_at=now, clock_started_at=now,
        deadline_at=deadline_for(sla=sla, urgency=urgency, created_at=now, settings=settings),
    )
    session.add(ticket)
    session.flush()
    # the day the resident lives in: a case reported at 07:00 in Beijing is still 23:00 of the day before in UTC
    ticket.number = f"{now.astimezone(BEIJING):%y%m%d}-{ticket.id:05d}"
    reporter = session.get(Staff, reporter_staff_id) if reporter_staff_id else None
    _event(session, ticket, actor=reporter, action="submit", to_status="submitted", now=now,
           label=None if reporter else ("居民" if resident else "匿名居民"))
    if parent:
        _event(session, ticket, actor=None, action="merge", to_status="submitted", now=now,
               reason=f"与工单 {parent.number} 为同一问题，随主工单办理", data={"parent": parent.number})
    if kind == "emergency":
        _alert_emergency(session, parent or ticket, text, now)
    return ticket


def find_duplicate(*, session: Session, category: str | None, building_id: int | None, grid_id: int | None,
                   now: datetime, settings: Any = None) -> Ticket | None:
    """An open parent ticket with the same category at the same building (or grid, when no building) lately."""
    if not category or (building_id is None and grid_id is None):
        return None
    stmt = select(Ticket).where(Ticket.category == category, Ticket.parent_id.is_(None),
                                Ticket.status.in_(OPEN_STATUSES), Ticket.created_at >= now - duplicate_window(settings))
    stmt = stmt.where(Ticket.building_id == building_id) if building_id is not None else stmt.where(
        Ticket.grid_id == grid_id)
    return session.execute(stmt.order_by(Ticket.id).limit(1)).scalar_one_or_none()


def _alert_emergency(session: Session, ticket: Ticket, text: str, now: datetime) -> None:
    enqueue(session=session, key=f"emergency-alert:{ticket.number}", kind="robot", channel="wecom",
            recipient=f"grid:{ticket.grid_id}" if ticket.grid_id else "street",
            payload={"msgtype": "text", "text": f"【紧急】居民报告：{text}（工单 {ticket.number}，2小时内处置），请立即核实。"},
            urgent=True, not_before=now)


def add_place(*, session: Session, ticket: Ticket, label: str, building_id: int | None = None,
              location: dict[str, Any] | None = None, now: datetime | None = None) -> TicketEvent:
    """Where it is, told after the ticket was filed (an emergency is filed at once, before anyone asks): the
    building (and so the grid) or the place as said, on the timeline; an emergency's alert goes out again to
    the group that now has it."""
    now = now or utcnow()
    if building_id is not None:
        building = session.get(Building, building_id)
        ticket.building_id, ticket.grid_id = building_id, building.grid_id if building else ticket.grid_id
        ticket.community_id = community_of_grid(session=session, grid_id=ticket.grid_id)
    if location:
        ticket.location = {**(ticket.location or {}), **location}
    ticket.updated_at = now
    session.add(ticket)
    ev = _event(session, ticket, actor=None, action="place", from_status=ticket.status, to_status=ticket.status,
                now=now, reason=f"居民补充位置：{label}"[:200], label="居民")
    if ticket.kind == "emergency":
        _tell_staff(session, ticket, ev, f"【紧急·补充位置】工单 {ticket.number}：{label}。居民报告：{ticket.text[:60]}，请立即核实。",
                    urgent=True)
    return ev


# ---- reading ------------------------------------------------------------------------------------------

def is_handler(ticket: Ticket, actor: Staff | None) -> bool:
    """The staff member it is dispatched to, or any handler of its department when no one person is named."""
    if actor is None:
        return False
    if ticket.handler_id is not None:
        return ticket.handler_id == actor.id
    return (actor.role == "dept_handler" and actor.department_id is not None
            and ticket.department_id == actor.department_id)


def can_see(ticket: Ticket, actor: Staff | None) -> bool:
    if actor is None:
        return True
    if not actor.active:
        return False
    if is_handler(ticket, actor):
        return True
    if actor.role == "dept_handler":
        return actor.department_id is not None and ticket.department_id == actor.department_id
    return sees_place(actor, grid_id=ticket.grid_id, community_id=ticket.community_id)


def _scoped(stmt, actor: Staff | None):
    if actor is None:
        return stmt
    if not actor.active:
        return stmt.where(false())
    mine = Ticket.handler_id == actor.id
    if actor.role == "dept_handler":
        dept = Ticket.department_id == actor.department_id if actor.department_id else false()
        return stmt.where(or_(mine, dept))
    kind, value = grid_scope(actor)
    if kind == "all":
        return stmt
    if kind == "community":
        return stmt.where(or_(mine, Ticket.community_id == value))
    if kind == "grid":
        return stmt.where(or_(mine, Ticket.grid_id == value))
    return stmt.where(mine)


def list_tickets(*, session: Session, actor: Staff | None = None, status: str | None = None, grid: str | None = None,
                 queue: str | None = None, search: str | None = None, limit: int = 200, offset: int = 0,
                 now: datetime | None = None) -> list[Ticket]:
    """Tickets in the actor's scope (None = system, sees all), by status, grid code, work queue or search text."""
    now = now or utcnow()
    stmt = _scoped(select(Ticket), actor)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if grid:
        stmt = stmt.join(Grid, Grid.id == Ticket.grid_id).where(Grid.code == grid)
    if search:
        like = f"%{search}%"
        stmt = stmt.where(or_(Ticket.number.like(like), Ticket.text.like(like)))
    if queue:
        stmt = _queue(stmt, queue, actor, now)
    stmt = stmt.order_by(Ticket.id)
    if queue == "due_soon":  # 75% of each ticket's own span: computed here, not in SQL
        rows = [t for t in session.execute(stmt).scalars() if deadline_state(ticket=t, now=now) == "due_soon"]
        return rows[offset:offset + limit]
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def _queue(stmt, queue: str, actor: Staff | None, now: datetime):
    main = stmt.where(Ticket.parent_id.is_(None))
    if queue == "review":
        return main.where(Ticket.status == "submitted")
    if queue == "dispatch":
        return main.where(Ticket.status.in_(("under_review", "returned")))
    if queue == "in_progress":
        return main.where(Ticket.status.in_(("dispatched", "in_progress")))
    if queue == "due_soon":
        return main.where(Ticket.status.in_(OPEN_STATUSES), Ticket.deadline_at > now)
    if queue == "overdue":
        return main.where(Ticket.status.in_(OPEN_STATUSES), Ticket.deadline_at <= now)
    if queue == "mine":
        if actor is None:
            return main.where(false())
        dept = (and_(Ticket.handler_id.is_(None), Ticket.department_id == actor.department_id)
                if actor.role == "dept_handler" and actor.department_id else false())
        return main.where(Ticket.status.in_(("dispatched", "in_progress")), or_(Ticket.handler_id == actor.id, dept))
    raise InvalidTransition(f"没有名为 {queue} 的队列（可选：{'、'.join(QUEUES)}）")


def get_ticket(*, session: Session, actor: Staff | None, number: str) -> Ticket:
    ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
    if ticket is None:
        raise NotFound(f"没有编号为 {number} 的工单")
    if not can_see(ticket, actor):
        raise PermissionDenied(f"工单 {number} 不在您的负责范围内")
    return ticket


def timeline(*, session: Session, ticket: Ticket) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)
    return list(session.execute(stmt).scalars())


def available_actions(*, ticket: Ticket, actor: Staff | None) -> list[str]:
    """The service functions this actor may call on this ticket now (for buttons)."""
    names = []
    for rule in workflow.TABLE:
        if rule.state == ticket.status and _refusal(ticket, actor, rule.action) is None:
            names.append(workflow.FUNCTION_OF.get(rule.action, rule.action))
    return [n for n in dict.fromkeys(names) if n != "record_survey"]


# ---- permission ---------------------------------------------------------------------------------------

def _refusal(ticket: Ticket, actor: Staff | None, action: str) -> TicketError | None:
    """Why this actor may not do this action now, or None when they may."""
    if actor is None:
        return PermissionDenied("需要以工作人员身份操作")
    if not actor.active:
        return PermissionDenied("该账号已停用")
    if not can_see(ticket, actor):
        return PermissionDenied(f"工单 {ticket.number} 不在您的负责范围内")
    rule = workflow.rule(ticket.status, action)
    if rule is None:
        return InvalidTransition(f"工单 {ticket.number} 当前为「{STATUSES.get(ticket.status, ticket.status)}」，不能执行 {action}")
    plays = actor.role in rule.roles or (workflow.HANDLER in rule.roles and is_handler(ticket, actor))
    if not plays:
        who = "本案处理人" if rule.roles == {workflow.HANDLER} else "、".join(ROLES.get(r, r) for r in sorted(rule.roles) if r in ROLES)
        return PermissionDenied(f"「{rule.label}」只能由{who}操作")
    if action == "close":
        if actor.id in {ticket.reporter_staff_id, ticket.reviewer_id, ticket.handler_id}:
            return PermissionDenied("巡办分离：上报、初审或办理本案的人不能关闭本案")
        if ticket.status == "resolved" and ticket.resident:
            return InvalidTransition("须先回访居民（record_survey），才能关闭")
    return None


def _require(ticket: Ticket, actor: Staff | None, action: str) -> workflow.Rule:
    refusal = _refusal(ticket, actor, action)
    if refusal is not None:
        raise refusal
    return workflow.rule(ticket.status, action)


def _need(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise InvalidTransition(f"{what}须说明理由")
    return value.strip()


# ---- transitions --------------------------------------------------------------------------------------

def _label(actor: Staff | None) -> str:
    return actor.display_name if actor else "系统"


def _event(session: Session, ticket: Ticket, *, actor: Staff | None, action: str, to_status: str | None,
           now: datetime, from_status: str | None = None, reason: str | None = None,
           data: dict[str, Any] | None = None, label: str | None = None) -> TicketEvent:
    ev = TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.id if actor else None,
                     actor_label=label or _label(actor), action=action, from_status=from_status,
                     to_status=to_status, reason=reason, data=data)
    session.add(ev)
    session.flush()
    return ev


def _move(session: Session, ticket: Ticket, *, actor: Staff | None, action: str, to: str, now: datetime,
          reason: str | None = None, data: dict[str, Any] | None = None, label: str | None = None) -> TicketEvent:
    ev = _event(session, ticket, actor=actor, action=action, from_status=ticket.status, to_status=to, now=now,
                reason=reason, data=data, label=label)
    ticket.status = to
    ticket.updated_at = now
    session.add(ticket)
    session.flush()
    return ev


def _notify(session: Session, ticket: Ticket, event: TicketEvent, kind: str, **values: Any) -> None:
    """Tell the resident (never an anonymous one) about a transition that matters; once per event."""
    if not ticket.resident:
        return
    text = NOTICES[kind].format(number=ticket.number, **values)
    enqueue(session=session, key=f"ticket-notify:{ticket.number}:{event.id}", kind="customer_service",
            channel=ticket.channel or "wechat", recipient=ticket.resident, not_before=event.at,
            payload={"msgtype": "text", "text": text})


def _named(ticket: Ticket) -> str:
    """「工单 261208-00001（路灯与公共设施）」, as the grid group is told of it."""
    return f"工单 {ticket.number}（{ticket.category or KINDS.get(ticket.kind, ticket.kind)}）"


def _tell_staff(session: Session, ticket: Ticket, event: TicketEvent, text: str, *, street: bool = False,
                urgent: bool = False) -> None:
    """A line in the grid group (or the street group) through the outbox robot."""
    recipient = f"grid:{ticket.grid_id}" if ticket.grid_id and not street else "street"
    enqueue(session=session, key=f"ticket-staff:{ticket.number}:{event.id}", kind="robot", channel="wecom",
            recipient=recipient, payload={"msgtype": "text", "text": text}, urgent=urgent, not_before=event.at)


def handler_name(*, session: Session, ticket: Ticket) -> str:
    """Who has the ticket, as residents and grid groups are told: a person's name, else the department's."""
    return _handler_name(session, ticket)


def _handler_name(session: Session, ticket: Ticket) -> str:
    if ticket.handler_id:
        return get_staff(session=session, staff_id=ticket.handler_id).display_name
    if ticket.department_id:
        dept = session.get(Department, ticket.department_id)
        return dept.name if dept else "处理部门"
    return "处理人"


def _target(session: Session, ticket: Ticket, handler_id: int | None, department_id: int | None) -> tuple[int | None, int | None]:
    """Check a dispatch target: a department, or a person who can handle this ticket."""
    if handler_id is None and department_id is None:
        raise InvalidTransition("派单须指定处理人或处理部门")
    if department_id is not None and session.get(Department, department_id) is None:
        raise NotFound("没有这个部门")
    if handler_id is None:
        return None, department_id
    handler = get_staff(session=session, staff_id=handler_id)
    if not handler.active:
        raise InvalidTransition(f"{handler.display_name} 的账号已停用")
    if handler.role == "dept_handler":
        if department_id is not None and handler.department_id != department_id:
            raise InvalidTransition(f"{handler.display_name} 不属于该部门")
        return handler.id, handler.department_id
    if handler.role == "street_admin" or not sees_place(handler, grid_id=ticket.grid_id, community_id=ticket.community_id):
        raise PermissionDenied(f"{handler.display_name} 不负责工单所在网格")
    return handler.id, department_id


def review(*, session: Session, actor: Staff, ticket: Ticket, accept: bool = True, reason: str | None = None,
           now: datetime | None = None) -> Ticket:
    """初审: accept (→ 待派单) or reject with a reason (→ closed, the resident is told why)."""
    now = now or utcnow()
    action = "review" if accept else "reject"
    rule = _require(ticket, actor, action)
    if not accept:
        reason = _need(reason, "不予受理")
    ticket.reviewer_id = actor.id
    ticket.first_response_at = ticket.first_response_at or now
    if not accept:
        ticket.closed_at = now
    ev = _move(session, ticket, actor=actor, action=action, to=rule.to, now=now, reason=reason)
    if not accept:
        _notify(session, ticket, ev, "reject", reason=reason)
        _close_children(session, ticket, now)
    return ticket


def dispatch(*, session: Session, actor: Staff, ticket: Ticket, handler_id: int | None = None,
             department_id: int | None = None, deadline_at: datetime | None = None,
             now: datetime | None = None) -> Ticket:
    """派单 to a person or a department; an earlier deadline than the SLA's may be set."""
    now = now or utcnow()
    rule = _require(ticket, actor, "dispatch")
    handler_id, department_id = _target(session, ticket, handler_id, department_id)
    if deadline_at is not None:
        if deadline_at <= now:
            raise InvalidTransition("办理时限须晚于现在")
        ticket.deadline_at = deadline_at
    ticket.handler_id, ticket.department_id, ticket.dispatcher_id = handler_id, department_id, actor.id
    ticket.first_response_at = ticket.first_response_at or now
    name = _handler_name(session, ticket)
    ev = _move(session, ticket, actor=actor, action="dispatch", to=rule.to, now=now,
               data={"handler_id": handler_id, "department_id": department_id, "handler": name,
                     "deadline_at": ticket.deadline_at.isoformat() if ticket.deadline_at else None})
    _notify(session, ticket, ev, "dispatch", handler=name, deadline=local_time(ticket.deadline_at))
    _tell_staff(session, ticket, ev, f"【派单】工单 {ticket.number} 派给 {name}，时限 {local_time(ticket.deadline_at)}：{ticket.text[:60]}")
    return ticket


def bulk_dispatch(*, session: Session, actor: Staff, numbers: list[str], handler_id: int | None = None,
                  department_id: int | None = None, now: datetime | None = None) -> list[Ticket]:
    """Dispatch several tickets to one target; the first refusal stops (the caller's transaction rolls back)."""
    return [dispatch(session=session, actor=actor, ticket=get_ticket(session=session, actor=actor, number=n),
                     handler_id=handler_id, department_id=department_id, now=now) for n in numbers]


def accept(*, session: Session, actor: Staff, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The handler starts 办理; a department ticket becomes this person's."""
    now = now or utcnow()
    rule = _require(ticket, actor, "accept")
    ticket.handler_id = actor.id
    _move(session, ticket, actor=actor, action="accept", to=rule.to, now=now)
    return ticket


def resolve(*, session: Session, actor: Staff, ticket: Ticket, resolution: str, now: datetime | None = None) -> Ticket:
    """办结 with what was done; the resident is told, and the survey (scheduler) asks them."""
    now = now or utcnow()
    rule = _require(ticket, actor, "resolve")
    if not resolution or not resolution.strip():
        raise InvalidTransition("办结须填写办理结果")
    ticket.resolution, ticket.resolved_at = resolution.strip(), now
    ev = _move(session, ticket, actor=actor, action="resolve", to=rule.to, now=now, reason=ticket.resolution)
    _notify(session, ticket, ev, "resolve", resolution=ticket.resolution)
    return ticket


def return_ticket(*, session: Session, actor: Staff, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """退单: the handler gives it back to the dispatcher, with a reason; it waits in 待派单 again."""
    now = now or utcnow()
    rule = _require(ticket, actor, "return_ticket")
    reason = _need(reason, "退单")
    previous = {"handler_id": ticket.handler_id, "department_id": ticket.department_id, "handler": _handler_name(session, ticket)}
    ticket.handler_id = ticket.department_id = None
    ev = _move(session, ticket, actor=actor, action="return", to=rule.to, now=now, reason=reason, data=previous)
    _tell_staff(session, ticket, ev, f"【退单】工单 {ticket.number} 被 {actor.display_name} 退回：{reason}，请重新派单。")
    return ticket


def reassign(*, session: Session, actor: Staff, ticket: Ticket, handler_id: int | None = None,
             department_id: int | None = None, reason: str, now: datetime | None = None) -> Ticket:
    """改派 to another person or department, with a reason."""
    now = now or utcnow()
    rule = _require(ticket, actor, "reassign")
    reason = _need(reason, "改派")
    before = _handler_name(session, ticket)
    ticket.handler_id, ticket.department_id = _target(session, ticket, handler_id, department_id)
    ticket.dispatcher_id = actor.id
    after = _handler_name(session, ticket)
    ev = _move(session, ticket, actor=actor, action="reassign", to=rule.to, now=now, reason=reason,
               data={"from": before, "to": after, "handler_id": ticket.handler_id, "department_id": ticket.department_id})
    _tell_staff(session, ticket, ev, f"【改派】工单 {ticket.number} 由 {before} 改派给 {after}：{reason}")
    return ticket


def extend(*, session: Session, actor: Staff, ticket: Ticket, until: datetime, reason: str, approver_id: int,
           now: datetime | None = None) -> Ticket:
    """延期: a later deadline, approved by a 网格长/社区/街道 who is not the handler; reminders start over."""
    now = now or utcnow()
    rule = _require(ticket, actor, "extend")
    reason = _need(reason, "延期")
    approver = get_staff(session=session, staff_id=approver_id)
    if (approver.role not in workflow.APPROVERS or not approver.active or approver.id == ticket.handler_id
            or not sees_place(approver, grid_id=ticket.grid_id, community_id=ticket.community_id)):
        raise PermissionDenied(f"{approver.display_name} 不能审批本工单的延期（须为负责该网格的网格长、社区或街道，且不是处理人）")
    if until <= max(ticket.deadline_at or now, now):
        raise InvalidTransition("延期后的时限须晚于原时限")
    data = {"approver_id": approver.id, "approver": approver.display_name,
            "from": ticket.deadline_at.isoformat() if ticket.deadline_at else None, "to": until.isoformat()}
    ticket.deadline_at, ticket.reminded_at, ticket.escalation_level = until, None, 0
    _move(session, ticket, actor=actor, action="extend", to=rule.to, now=now, reason=reason, data=data)
    return ticket


def close(*, session: Session, actor: Staff, ticket: Ticket, reason: str | None = None, now: datetime | None = None) -> Ticket:
    """Close after the survey (or, with no resident to ask, after 办结); never by its reporter, reviewer or handler."""
    now = now or utcnow()
    _require(ticket, actor, "close")
    _close(session, ticket, actor=actor, reason=reason, now=now)
    return ticket


def _close(session: Session, ticket: Ticket, *, actor: Staff | None, reason: str | None, now: datetime) -> None:
    ticket.closed_at = now
    ev = _move(session, ticket, actor=actor, action="close", to="closed", now=now, reason=reason)
    _notify(session, ticket, ev, "close")
    _close_children(session, ticket, now)


def _close_children(session: Session, parent: Ticket, now: datetime) -> None:
    """Duplicates close with their parent, and every reporter is told."""
    for child in session.execute(select(Ticket).where(Ticket.parent_id == parent.id, Ticket.status != "closed")).scalars():
        child.closed_at, child.resolution = now, parent.resolution
        ev = _move(session, child, actor=None, action="close", to="closed", now=now,
                   reason=f"随主工单 {parent.number} 关闭", data={"parent": parent.number})
        _notify(session, child, ev, "close")


def reopen(*, session: Session, actor: Staff, ticket: Ticket, reason: str, now: datetime | None = None,
           settings: Any = None) -> Ticket:
    """重新办理 with a reason: back to its handler (or to 初审 when it never had one), with a fresh deadline."""
    now = now or utcnow()
    _require(ticket, actor, "reopen")
    _reopen(session, ticket, actor=actor, reason=_need(reason, "重新办理"), now=now, settings=settings)
    return ticket


def _reopen(session: Session, ticket: Ticket, *, actor: Staff | None, reason: str, now: datetime,
            settings: Any = None) -> None:
    to = "dispatched" if ticket.handler_id or ticket.department_id else "under_review"
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = None
    ticket.clock_started_at, ticket.reminded_at, ticket.escalation_level = now, None, 0
    ticket.deadline_at = deadline_for(sla=ticket.sla, urgency=ticket.urgency, created_at=now, settings=settings)
    ev = _move(session, ticket, actor=actor, action="reopen", to=to, now=now, reason=reason,
               data={"reopen_count": ticket.reopen_count})
    _notify(session, ticket, ev, "reopen")
    name = _handler_name(session, ticket) if to == "dispatched" else "网格员"
    _tell_staff(session, ticket, ev, f"【重新办理】工单 {ticket.number}（{name}）：{reason}。新时限 {local_time(ticket.deadline_at)}。")


def record_survey(*, session: Session, ticket: Ticket, resolved: bool, satisfaction: int | None,
                  now: datetime | None = None, settings: Any = None, recorded_by: Staff | None = None,
                  note: str | None = None) -> Ticket:
    """回访 outcome: solved and satisfied (≥3 or no score) → surveyed → closed; otherwise reopened.

    `recorded_by`: the staff member who asked the resident by phone (电话回访); the timeline names them."""
    now = now or utcnow()
    if ticket.status != "resolved":
        raise InvalidTransition(f"工单 {ticket.number} 当前为「{STATUSES.get(ticket.status)}」，不在待回访状态")
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise InvalidTransition("满意度为 1–5 分")
    ticket.resolved_confirmed, ticket.satisfaction = resolved, satisfaction
    data = {"resolved": resolved, "satisfaction": satisfaction}
    label = "居民回访"
    if recorded_by is not None:
        data.update(by_phone=True, note=note)
        label = f"电话回访（{recorded_by.display_name}）"[:64]
    if resolved and (satisfaction is None or satisfaction >= 3):
        _move(session, ticket, actor=recorded_by, action="survey", to="surveyed", now=now, data=data, label=label)
        _close(session, ticket, actor=None, reason="回访：已解决", now=now)
    else:
        why = "回访：问题未解决" if not resolved else f"回访：不满意（{satisfaction} 分）"
        _event(session, ticket, actor=recorded_by, action="survey", from_status="resolved", to_status="resolved",
               now=now, reason=why, data=data, label=label)
        _reopen(session, ticket, actor=None, reason=why, now=now, settings=settings)
    return ticket


# ---- deadlines ----------------------------------------------------------------------------------------

def _open_with_deadline():
    return select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.parent_id.is_(None),
                                Ticket.deadline_at.is_not(None)).order_by(Ticket.deadline_at, Ticket.id)


def due_for_reminder(*, session: Session, now: datetime) -> list[Ticket]:
    """Open tickets with ≥75% of their time used that have not been reminded yet."""
    stmt = _open_with_deadline().where(Ticket.reminded_at.is_(None))
    return [t for t in session.execute(stmt).scalars() if deadline_state(ticket=t, now=now) in ("due_soon", "overdue")]


def mark_reminded(*, session: Session, ticket: Ticket, now: datetime) -> None:
    ticket.reminded_at = now
    session.add(ticket)
    _event(session, ticket, actor=None, action="remind", from_status=ticket.status, to_status=ticket.status, now=now,
           reason=f"即将超期，时限 {local_time(ticket.deadline_at)}")


def escalate_overdue(*, session: Session, now: datetime) -> list[tuple[Ticket, int]]:
    """督办: overdue tickets climb 1 网格长 → 2 社区 (half a span late) → 3 街道 (a span late); once per level."""
    raised = []
    for ticket in session.execute(_open_with_deadline().where(Ticket.deadline_at <= now)).scalars():
        level = escalation_target(ticket=ticket, now=now)
        if level <= ticket.escalation_level:
            continue
        ticket.escalation_level = level
        ev = _event(session, ticket, actor=None, action="escalate", from_status=ticket.status, to_status=ticket.status,
                    now=now, reason=f"超期督办：{ESCALATION_NAMES[level]}", data={"level": level})
        hours = int((now - ticket.deadline_at).total_seconds() // 3600)
        _tell_staff(session, ticket, ev,
                    f"【督办·{ESCALATION_NAMES[level]}】工单 {ticket.number}（{ticket.category or ticket.kind}）已超期 {hours} 小时，"
                    f"处理人：{_handler_name(session, ticket)}。请尽快办理。", street=level >= 3, urgent=level >= 2)
        raised.append((ticket, level))
    session.flush()
    return raised


URGE_PUSH_EVERY = timedelta(hours=24)  # a resident's 催办 reaches the grid group at most this often per ticket


def latest_open_ticket(*, session: Session, resident: str, duplicates: bool = False) -> Ticket | None:
    """The resident's most recent ticket still being worked on: not a duplicate folded into another, unless
    `duplicates` (the resident withdraws or adds to their own report, not the case it joined)."""
    stmt = select(Ticket).where(Ticket.resident == resident, Ticket.status.in_(OPEN_STATUSES))
    if not duplicates:
        stmt = stmt.where(Ticket.parent_id.is_(None))
    return session.execute(stmt.order_by(Ticket.id.desc()).limit(1)).scalars().first()


def latest_resolved(*, session: Session, resident: str, since: datetime) -> Ticket | None:
    """The resident's most recent ticket 办结 since `since` and waiting for the 回访."""
    stmt = (select(Ticket).where(Ticket.resident == resident, Ticket.status == "resolved", Ticket.resolved_at >= since)
            .order_by(Ticket.resolved_at.desc(), Ticket.id.desc()).limit(1))
    return session.execute(stmt).scalars().first()


def open_ticket_of(*, session: Session, resident: str, number: str) -> Ticket | None:
    """The resident's own ticket of that number, if it is still being worked on."""
    return session.execute(select(Ticket).where(Ticket.resident == resident, Ticket.number == number.lstrip("#"),
                                                Ticket.status.in_(OPEN_STATUSES))).scalars().first()


def may_withdraw(*, session: Session, ticket: Ticket) -> bool:
    """Whether the resident's word closes it: not an emergency, and no other resident's report joined it."""
    return ticket.kind != "emergency" and not _open_children(session, ticket)


def _open_children(session: Session, ticket: Ticket) -> int:
    return session.execute(select(func.count()).select_from(Ticket).where(
        Ticket.parent_id == ticket.id, Ticket.status.in_(OPEN_STATUSES))).scalar_one()


def withdraw(*, session: Session, ticket: Ticket, text: str, now: datetime | None = None) -> str:
    """The resident withdraws their report, as they confirmed in the chat: "withdrawn" (closed, the grid told not
    to come, left out of 解决率), or "noted" when staff must see for themselves first — an emergency (「煤气味没了」
    is no proof), or a case other residents' reports were merged into. Their words are on the timeline either way."""
    now = now or utcnow()
    said = text.strip()[:200]
    what = _named(ticket)
    if not may_withdraw(session=session, ticket=ticket):
        others = _open_children(session, ticket)
        ev = _event(session, ticket, actor=None, action="note", from_status=ticket.status, to_status=ticket.status,
                    now=now, reason=f"居民说不用再处理：{said}", label="居民")
        _tell_staff(session, ticket, ev, f"【居民说已不需要】{what}：「{said[:40]}」。"
                    + ("还有其他居民反映了同一问题，" if others else "") + "请核实后按流程办结。")
        return "noted"
    if workflow.rule(ticket.status, "withdraw") is None:
        raise InvalidTransition(f"工单 {ticket.number} 当前状态为{STATUSES.get(ticket.status, ticket.status)}，不能撤回")
    ticket.withdrawn_at = ticket.closed_at = now
    ev = _move(session, ticket, actor=None, action="withdraw", to="closed", now=now, reason=f"居民撤回：{said}",
               label="居民撤回")
    _tell_staff(session, ticket, ev, f"【居民撤回】{what}：「{said[:40]}」。已关闭，无需再上门处理。")
    return "withdrawn"


def add_note(*, session: Session, ticket: Ticket, text: str, now: datetime | None = None) -> TicketEvent:
    """The resident adds to (or corrects) a report already filed: on the timeline, and a line to the group."""
    now = now or utcnow()
    said = text.strip()[:200]
    ev = _event(session, ticket, actor=None, action="note", from_status=ticket.status, to_status=ticket.status,
                now=now, reason=f"居民补充：{said}", label="居民")
    _tell_staff(session, ticket, ev, f"【居民补充】{_named(ticket)}：「{said[:60]}」")
    return ev


def urge(*, session: Session, ticket: Ticket, text: str, now: datetime | None = None) -> TicketEvent:
    """催办 by the resident (「能快点吗」, 「什么时候来修」): a line on the timeline, and a line in the grid group
    unless one was pushed for this ticket within URGE_PUSH_EVERY (a resident who asks five times in an hour is
    one reminder, but every ask is on the record). The status and deadline do not change."""
    now = now or utcnow()
    last = session.execute(select(TicketEvent.at).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "urge")
                           .order_by(TicketEvent.at.desc()).limit(1)).scalar()
    ev = _event(session, ticket, actor=None, action="urge", from_status=ticket.status, to_status=ticket.status,
                now=now, reason=text.strip()[:200], label="居民催办")
    if last is None or now - last >= URGE_PUSH_EVERY:
        deadline = f"，时限 {local_time(ticket.deadline_at)}" if ticket.deadline_at else ""
        _tell_staff(session, ticket, ev,
                    f"【居民催办】{_named(ticket)}："
                    f"「{text.strip()[:40]}」。当前{STATUSES.get(ticket.status, ticket.status)}，"
                    f"处理人：{_handler_name(session, ticket)}{deadline}。")
    return ev


def pass_on_praise(*, session: Session, resident: str, grid_id: int | None, text: str, key: str,
                   now: datetime | None = None) -> str:
    """「网格员小王服务很好，表扬一下」: a line in the grid group of the resident's bound place, else of their latest
    ticket, else the street group, so the praise reaches the people it is about. Returns "grid" or "street".
    `key` (the message's dedupe key) makes a retried message one line."""
    now = now or utcnow()
    if grid_id is None:
        grid_id = session.execute(select(Ticket.grid_id).where(Ticket.resident == resident, Ticket.grid_id.is_not(None))
                                  .order_by(Ticket.id.desc()).limit(1)).scalar()
    recipient = f"grid:{grid_id}" if grid_id else "street"
    enqueue(session=session, key=f"praise:{key}", kind="robot", channel="wecom", recipient=recipient,
            payload={"msgtype": "text", "text": f"【居民表扬】「{text.strip()[:80]}」"}, not_before=now)
    return "grid" if grid_id else "street"


# ---- residents' view and JSON -------------------------------------------------------------------------

_TICKETS_OF_RESIDENT = (select(Ticket).where(Ticket.resident == bindparam("resident"))
                        .order_by(Ticket.id.desc()).limit(bindparam("limit")))


def tickets_of_resident(*, session: Session, resident: str, limit: int = 10) -> list[Ticket]:
    return list(session.execute(_TICKETS_OF_RESIDENT, {"resident": resident, "limit": limit}).scalars())


def grid_codes(*, session: Session) -> dict[int, str]:
    return dict(session.execute(select(Grid.id, Grid.code)).all())


def ticket_public(ticket: Ticket, grid_code: str | None, *, now: datetime | None = None) -> dict:
    """The JSON shape of a ticket for the command line and integrations."""
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {
        "number": ticket.number, "status": ticket.status, "kind": ticket.kind, "category": ticket.category,
        "department": ticket.department, "urgency": ticket.urgency, "sla": ticket.sla, "resident": ticket.resident,
        "grid": grid_code, "text": ticket.text, "handler_id": ticket.handler_id, "department_id": ticket.department_id,
        "parent_id": ticket.parent_id, "escalation_level": ticket.escalation_level,
        "deadline_at": iso(ticket.deadline_at), "deadline_state": deadline_state(ticket=ticket, now=now or utcnow()),
        "attachments": ticket.attachments, "location": ticket.location, "resolution": ticket.resolution,
        "satisfaction": ticket.satisfaction, "created_at": iso(ticket.created_at), "closed_at": iso(ticket.closed_at),
        "withdrawn_at": iso(ticket.withdrawn_at),
    }


def event_public(ev: TicketEvent) -> dict:
    return {"at": ev.at.isoformat(), "actor": ev.actor_label, "action": ev.action, "from": ev.from_status,
            "to": ev.to_status, "reason": ev.reason, "data": ev.data}


# ---- 连心树: anonymous opinions -------------------------------------------------------------------------

def submit_opinion(*, session: Session, text: str, community_id: int | None = None, category: str | None = None,
                   today: date | None = None) -> AnonymousOpinion:
    """Store an opinion with nothing that points back to its sender: no openid, only the day."""
    row = AnonymousOpinion(text=text.strip(), category=category, community_id=community_id,
                           day=(today or utcnow().astimezone(BEIJING).date()).isoformat())
    session.add(row)
    session.flush()
    return row


def list_opinions(*, session: Session, actor: Staff | None, status: str | None = None) -> list[AnonymousOpinion]:
    """Opinions for the street (all) or a community's staff (their community and those with none)."""
    stmt = select(AnonymousOpinion).order_by(AnonymousOpinion.id.desc())
    if status:
        stmt = stmt.where(AnonymousOpinion.status == status)
    kind, value = grid_scope(actor)
    if kind == "community":
        stmt = stmt.where(AnonymousOpinion.community_id == value)
    elif kind != "all":
        raise PermissionDenied("连心树意见仅街道和社区工作人员可见")
    return list(session.execute(stmt).scalars())
