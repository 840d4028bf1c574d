"""The audit log page and the outbox dead letters (with retry)."""

from __future__ import annotations

from urllib.parse import quote

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


@router.get("/outbox")
def dead_letters(request: Request, session: SessionDep) -> Response:
    """Messages the sender gave up on, and the counts per status."""
    from bot.scheduling import outbox

    return render(request, "outbox.html", {"rows": outbox.dead_letters(session=session),
                                           "counts": outbox.counts(session=session)})


@router.post("/outbox/{outbox_id}/retry")
def retry(request: Request, session: SessionDep, staff: StaffDep, outbox_id: int) -> Response:
    """Put a dead letter back in the queue."""
    from bot.scheduling import outbox

    try:
        outbox.retry(session=session, outbox_id=outbox_id)
    except ValueError:
        raise NotFoundPage("这条消息不存在或不在失败状态。") from None
    crud.audit(session=session, staff=staff, action="outbox.retry", target=f"outbox:{outbox_id}",
               ip=client_ip(request))
    return RedirectResponse("/admin/outbox", status_code=303)


@router.get("/announce")
def announcements(request: Request, session: SessionDep, error: str = "") -> Response:
    """Send a notice to every grid group (or chosen ones) and watch it go out."""
    from bot.scheduling import announce

    rows = [announce.announcement_progress(session=session, announcement_id=a.id)
            for a in announce.recent_announcements(session=session, limit=10)]
    return render(request, "announce.html", {"rows": rows, "grids": crud.list_grids(session=session),
                                             "error": error})


@router.post("/announce")
async def send_announcement(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Queue one robot post per chosen grid group."""
    from bot.scheduling import announce

    form = await request.form()
    codes = [c for c in form.getlist("grids") if isinstance(c, str)] or None
    try:
        row = announce.announce(session=session, text=str(form.get("text") or ""), grid_codes=codes,
                                urgent=form.get("urgent") == "true", author=staff.display_name)
    except ValueError as exc:
        return RedirectResponse(f"/admin/announce?error={quote(str(exc))}", status_code=303)
    crud.audit(session=session, staff=staff, action="announce.send", target=f"announcement:{row.id}",
               detail={"grids": row.grid_codes, "urgent": row.urgent}, ip=client_ip(request))
    return RedirectResponse("/admin/announce", status_code=303)


@router.get("/announce/{announcement_id}")
def announcement_progress(request: Request, session: SessionDep, announcement_id: int) -> Response:
    """One announcement's progress bar (polled)."""
    from bot.scheduling import announce

    try:
        row = announce.announcement_progress(session=session, announcement_id=announcement_id)
    except ValueError:
        raise NotFoundPage("没有这条通知。") from None
    return render(request, "_announcement.html", {"a": row})
