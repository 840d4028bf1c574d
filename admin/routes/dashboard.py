"""The dashboard (首页概览): counts by status, category and grid, the 三率, overdue tickets and hot topics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from admin import crud, stats
from admin.deps import PROTECTED, SessionDep, StaffDep
from admin.views import render
from bot.models import utcnow
from bot.tickets.models import STATUSES

router = APIRouter(dependencies=PROTECTED)


def visible_tickets(session, staff) -> list:
    """Every ticket this person may see, through the ticket service's own scoping."""
    from bot.tickets import service

    return service.list_tickets(session=session, actor=staff, limit=100000)


@router.get("/")
def dashboard(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """The first page after login."""
    now = utcnow()
    tickets = visible_tickets(session, staff)
    grids = {g.id: g.name for g in crud.list_grids(session=session)}
    open_tickets = [t for t in tickets if t.status not in stats.DONE]
    overdue = sorted((t for t in tickets if stats.is_overdue(t, now)), key=lambda t: t.deadline_at)
    waiting = [c for c in crud.handoff_conversations(session=session, staff=staff) if c.handoff == "waiting"] \
        if staff.role != "dept_handler" else []
    return render(request, "dashboard.html", {
        "total": len(tickets), "open": len(open_tickets), "overdue": overdue[:20], "overdue_count": len(overdue),
        "waiting": len(waiting),
        "by_status": [(STATUSES.get(s, s), n) for s, n in stats.counts(tickets, lambda t: t.status)],
        "by_category": stats.counts(tickets, lambda t: t.category or "未分类")[:10],
        "by_grid": [(grids.get(g, "未定网格"), n) for g, n in stats.counts(tickets, lambda t: t.grid_id)],
        "rates": [("响应率", stats.response_rate(tickets, now)), ("解决率", stats.resolution_rate(tickets, now)),
                  ("满意率", stats.satisfaction_rate(tickets, now))],
        "hot": stats.hot_topics(tickets, now), "grids": grids})
