"""The audit log page and the outbox dead letters (with retry)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from admin import crud
from admin.deps import ADMIN_ONLY, PROTECTED, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render

router = APIRouter(dependencies=[*PROTECTED, ADMIN_ONLY])


@router.get("/audit")
def audit_log(request: Request, session: SessionDep, user: str = "", action: str = "") -> Response:
    """Who did what, when, to what, from where."""
    rows = crud.list_audit(session=session, username=user.strip() or None, action=action.strip() or None)
    return render(request, "audit.html", {"rows": rows, "user": user, "action": action})


def _outbox_service():
    try:
        from bot.scheduling import outbox as service
    except ImportError:
        return None
    return service if hasattr(service, "dead_letters") else None


@router.get("/outbox")
def dead_letters(request: Request, session: SessionDep) -> Response:
    """Messages the sender gave up on."""
    service = _outbox_service()
    rows = service.dead_letters(session=session) if service else crud.dead_letters(session=session)
    return render(request, "outbox.html", {"rows": rows})


@router.post("/outbox/{outbox_id}/retry")
def retry(request: Request, session: SessionDep, staff: StaffDep, outbox_id: int) -> Response:
    """Put a dead letter back in the queue."""
    service = _outbox_service()
    row = service.retry(session=session, outbox_id=outbox_id) if service else crud.retry_outbox(
        session=session, outbox_id=outbox_id)
    if row is None:
        raise NotFoundPage("这条消息不存在或不在失败状态。")
    crud.audit(session=session, staff=staff, action="outbox.retry", target=f"outbox:{outbox_id}",
               ip=client_ip(request))
    return RedirectResponse("/admin/outbox", status_code=303)
