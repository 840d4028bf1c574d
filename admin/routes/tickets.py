"""Tickets: work queues with filters, the detail page with its timeline and action forms, bulk dispatch, XLSX export."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from admin import crud
from admin.deps import PROTECTED, Forbidden, SessionDep, StaffDep, client_ip
from admin.views import BEIJING, NotFoundPage, beijing, render
from bot.models import utcnow
from bot.org import service as org
from bot.org.models import Department, Staff
from bot.tickets import service
from bot.tickets.models import KINDS, STATUSES
from bot.tickets.workflow import APPROVERS, DISPATCHERS

router = APIRouter(prefix="/tickets", dependencies=PROTECTED)
FORMS = {"review", "dispatch", "accept", "resolve", "return_ticket", "reassign", "extend", "close", "reopen"}


def _filters(queue: str, status: str, grid: str, q: str) -> dict:
    return {"queue": queue if queue in service.QUEUES else None, "status": status if status in STATUSES else None,
            "grid": grid or None, "search": q.strip() or None}


def _get(session, staff, number: str):
    try:
        return service.get_ticket(session=session, actor=staff, number=number)
    except service.NotFound as exc:
        raise NotFoundPage(str(exc)) from None
    except service.PermissionDenied as exc:
        raise Forbidden(str(exc)) from None


def _targets(session) -> dict:
    staff = [s for s in crud.list_staff(session=session) if s.active and s.role != "street_admin"]
    departments = list(session.execute(select(Department).order_by(Department.code)).scalars())
    return {"handlers": staff, "departments": departments,
            "approvers": [s for s in crud.list_staff(session=session) if s.active and s.role in APPROVERS]}


@router.get("")
def ticket_list(request: Request, session: SessionDep, staff: StaffDep, queue: str = "", status: str = "",
                grid: str = "", q: str = "", done: str = "", error: str = "") -> Response:
    """The work queues (待初审, 待派单, 办理中, 即将超期, 已超期, 我的) and filters."""
    filters = _filters(queue, status, grid, q)
    tickets = service.list_tickets(session=session, actor=staff, limit=300, **filters)
    now = utcnow()
    counts = {name: len(service.list_tickets(session=session, actor=staff, queue=name, limit=1000))
              for name in service.QUEUES}
    grids = {g.id: g for g in crud.list_grids(session=session)}
    visible = crud.visible_grid_ids(session=session, staff=staff)
    return render(request, "tickets.html", {
        "tickets": tickets, "queues": service.QUEUES, "counts": counts, "queue": queue, "status": status,
        "grid": grid, "q": q, "grids": grids, "grid_choices": [g for g in grids.values() if visible is None or g.id in visible],
        "state": {t.id: service.deadline_state(ticket=t, now=now) for t in tickets}, "done": done, "error": error,
        "can_dispatch": staff.role in DISPATCHERS, "export_query": request.url.query, **_targets(session)})


@router.get("/export.xlsx")
def export(request: Request, session: SessionDep, staff: StaffDep, queue: str = "", status: str = "", grid: str = "",
           q: str = "") -> Response:
    """The filtered list as an Excel file."""
    from openpyxl import Workbook

    tickets = service.list_tickets(session=session, actor=staff, limit=100000, **_filters(queue, status, grid, q))
    grids = {g.id: g.name for g in crud.list_grids(session=session)}
    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    ws.append(["编号", "类型", "类别", "状态", "紧急程度", "网格", "内容", "受理时间", "办理时限", "办结时间", "办理结果", "满意度"])
    for t in tickets:
        ws.append([t.number, KINDS.get(t.kind, t.kind), t.category or "", STATUSES.get(t.status, t.status), t.urgency,
                   grids.get(t.grid_id, ""), t.text, beijing(t.created_at, "%Y-%m-%d %H:%M"),
                   beijing(t.deadline_at, "%Y-%m-%d %H:%M"), beijing(t.resolved_at, "%Y-%m-%d %H:%M"),
                   t.resolution or "", t.satisfaction or ""])
    for col, width in zip("ABCDEFGHIJKL", (14, 10, 12, 8, 8, 12, 50, 17, 17, 17, 30, 8)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    crud.audit(session=session, staff=staff, action="ticket.export", detail={"rows": len(tickets)}, ip=client_ip(request))
    name = quote(f"工单导出-{beijing(utcnow(), '%Y%m%d-%H%M')}.xlsx")
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.post("/bulk-dispatch")
async def bulk_dispatch(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Dispatch the ticked tickets to one person or department (all or nothing)."""
    form = await request.form()
    numbers = [n for n in form.getlist("numbers") if isinstance(n, str)]
    handler_id, department_id = _int(form.get("handler_id")), _int(form.get("department_id"))
    if not numbers:
        return RedirectResponse("/admin/tickets?error=" + quote("请先勾选工单"), status_code=303)
    try:
        with session.begin_nested():
            service.bulk_dispatch(session=session, actor=staff, numbers=numbers, handler_id=handler_id,
                                  department_id=department_id)
    except service.TicketError as exc:
        return RedirectResponse("/admin/tickets?queue=dispatch&error=" + quote(str(exc)), status_code=303)
    crud.audit(session=session, staff=staff, action="ticket.bulk_dispatch", target=",".join(numbers)[:200],
               detail={"handler_id": handler_id, "department_id": department_id}, ip=client_ip(request))
    return RedirectResponse("/admin/tickets?queue=dispatch&done=" + quote(f"已派单 {len(numbers)} 件"), status_code=303)


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _when(value: str) -> datetime | None:
    """A <input type=datetime-local> value in Beijing time, as aware UTC."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=BEIJING).astimezone(tz=utcnow().tzinfo)


def _where(session, ticket) -> dict:
    """Where the case is, for the grid worker going there: the building on file, what the resident said or the
    label of the location they sent, and a map link for a sent location (WeChat's coordinates are GCJ-02, as
    Amap's)."""
    building = org.place_label(session=session, grid_id=None, building_id=ticket.building_id) if ticket.building_id else ""
    location = ticket.location or {}
    map_url = None
    if isinstance(location.get("lat"), (int, float)) and isinstance(location.get("lng"), (int, float)):
        map_url = "https://uri.amap.com/marker?" + urlencode(
            {"position": f"{location['lng']},{location['lat']}", "name": location.get("label") or ticket.number})
    return {"building": building, "said": location.get("label") or "", "map_url": map_url}


def _photos(ticket) -> list[str]:
    """The photo links the resident sent (WeChat's PicUrl); only http(s) links are shown as images."""
    return [a["pic_url"] for a in ticket.attachments or []
            if isinstance(a, dict) and str(a.get("pic_url") or "").startswith(("https://", "http://"))]


@router.get("/{number}")
def ticket_detail(request: Request, session: SessionDep, staff: StaffDep, number: str, error: str = "",
                  done: str = "") -> Response:
    """One ticket: its facts, the full timeline and a form for every action this person may take now."""
    ticket = _get(session, staff, number)
    actions = service.available_actions(ticket=ticket, actor=staff)
    people = {s.id: s for s in crud.list_staff(session=session)}
    departments = {d.id: d for d in session.execute(select(Department)).scalars()}
    return render(request, "ticket.html", {
        "t": ticket, "events": service.timeline(session=session, ticket=ticket), "actions": actions,
        "where": _where(session, ticket), "photos": _photos(ticket),
        "people": people, "departments_by_id": departments, "grid": crud.get_grid(session=session, grid_id=ticket.grid_id)
        if ticket.grid_id else None, "state": service.deadline_state(ticket=ticket, now=utcnow()),
        "error": error, "done": done, **_targets(session)})


@router.post("/{number}/{action}")
def act(request: Request, session: SessionDep, staff: StaffDep, number: str, action: str,
        decision: Annotated[str, Form()] = "accept", reason: Annotated[str, Form(max_length=1000)] = "",
        resolution: Annotated[str, Form(max_length=2000)] = "", handler_id: Annotated[str, Form()] = "",
        department_id: Annotated[str, Form()] = "", deadline: Annotated[str, Form()] = "",
        approver_id: Annotated[str, Form()] = "") -> Response:
    """Run one workflow action through the ticket service (which checks role, scope and state)."""
    if action not in FORMS:
        raise NotFoundPage("没有这个操作。")
    ticket = _get(session, staff, number)
    before = ticket.status
    back = f"/admin/tickets/{quote(number)}"
    try:
        with session.begin_nested():
            _run(session, staff, ticket, action, decision=decision, reason=reason, resolution=resolution,
                 handler_id=_int(handler_id), department_id=_int(department_id), deadline=deadline,
                 approver_id=_int(approver_id))
    except service.PermissionDenied as exc:
        raise Forbidden(str(exc)) from None
    except (service.TicketError, ValueError) as exc:
        return RedirectResponse(f"{back}?error={quote(str(exc))}", status_code=303)
    crud.audit(session=session, staff=staff, action=f"ticket.{action}", target=f"ticket:{number}",
               detail={"from": before, "to": ticket.status, "reason": (reason or resolution)[:200] or None},
               ip=client_ip(request))
    return RedirectResponse(f"{back}?done={quote(STATUSES.get(ticket.status, ticket.status))}", status_code=303)


def _run(session, staff: Staff, ticket, action: str, *, decision, reason, resolution, handler_id, department_id,
         deadline, approver_id) -> None:
    common = {"session": session, "actor": staff, "ticket": ticket}
    if action == "review":
        service.review(**common, accept=decision != "reject", reason=reason or None)
    elif action == "dispatch":
        service.dispatch(**common, handler_id=handler_id, department_id=department_id, deadline_at=_when(deadline))
    elif action == "accept":
        service.accept(**common)
    elif action == "resolve":
        service.resolve(**common, resolution=resolution)
    elif action == "return_ticket":
        service.return_ticket(**common, reason=reason)
    elif action == "reassign":
        service.reassign(**common, handler_id=handler_id, department_id=department_id, reason=reason)
    elif action == "extend":
        until = _when(deadline)
        if until is None or approver_id is None:
            raise ValueError("延期须填写新的时限和审批人")
        service.extend(**common, until=until, reason=reason, approver_id=approver_id)
    elif action == "close":
        service.close(**common, reason=reason or None)
    elif action == "reopen":
        service.reopen(**common, reason=reason)
