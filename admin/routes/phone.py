"""电话回访: the calls staff must make (an unanswered survey, a message outside the 48-hour window)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from admin import crud
from admin.deps import PROTECTED, Forbidden, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render
from bot.models import utcnow
from bot.scheduling import phone
from bot.scheduling.survey_flow import parse_satisfaction
from bot.tickets.errors import NotFound, PermissionDenied, TicketError
from bot.tickets.models import STATUSES

router = APIRouter(prefix="/phone-tasks", dependencies=PROTECTED)
RESOLVED = {"yes": True, "no": False}


@router.get("")
def phone_tasks(request: Request, session: SessionDep, staff: StaffDep, error: str = "", done: str = "",
                task: int | None = None) -> Response:
    """Open phone tasks in this person's scope, oldest first, each with its call form."""
    return render(request, "phone_tasks.html", {
        "tasks": phone.open_tasks(session=session, actor=staff), "now": utcnow(), "error": error, "done": done,
        "error_task": task, "outcomes": phone.OUTCOMES, "satisfaction": phone.SATISFACTION_CHOICES})


@router.get("/count")
def phone_task_count(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """The badge in the navigation: open calls in this person's scope."""
    return render(request, "_badge.html", {"count": phone.count_open(session=session, actor=staff)})


@router.post("/{task_id}")
def record_call(request: Request, session: SessionDep, staff: StaffDep, task_id: int,
                outcome: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=2000)] = "",
                resolved: Annotated[str, Form()] = "", satisfaction: Annotated[str, Form()] = "") -> Response:
    """已联系 (with the survey answer for a 回访) or 联系不上, through bot.scheduling.phone.record_call."""
    try:
        phone.get_task(session=session, actor=staff, task_id=task_id)
    except NotFound as exc:
        raise NotFoundPage(str(exc)) from None
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from None
    score = parse_satisfaction(satisfaction) if satisfaction.strip() else None
    if satisfaction.strip() and score is None:
        return _back(task_id, error="满意度只能是 满意 / 基本满意 / 不满意")
    try:
        with session.begin_nested():
            task = phone.record_call(session=session, actor=staff, task_id=task_id, outcome=outcome, note=note,
                                     resolved=RESOLVED.get(resolved), satisfaction=score)
    except TicketError as exc:
        return _back(task_id, error=str(exc))
    ticket, reached = task.ticket, outcome == "reached"
    crud.audit(session=session, staff=staff, action=f"phone_task.{outcome}", target=f"phone_task:{task_id}",
               detail={"ticket": task.ticket_number, "note": note.strip()[:200] or None,
                       "resolved": RESOLVED.get(resolved) if reached else None,
                       "satisfaction": score if reached else None, "attempts": task.row.attempts,
                       "ticket_status": ticket.status if ticket else None}, ip=client_ip(request))
    if not reached:
        return _back(task_id, done=f"已记录：第 {task.row.attempts} 次联系不上，任务保留")
    after = f"，工单 {ticket.number} 现为「{STATUSES.get(ticket.status, ticket.status)}」" if ticket else ""
    return _back(task_id, done="已完成" + after)


def _back(task_id: int, *, error: str = "", done: str = "") -> RedirectResponse:
    if error:
        return RedirectResponse(f"/admin/phone-tasks?task={task_id}&error={quote(error)}#task-{task_id}",
                                status_code=303)
    return RedirectResponse(f"/admin/phone-tasks?done={quote(done)}", status_code=303)
