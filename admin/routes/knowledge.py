"""Knowledge: FAQ entries (create, edit, retire), import/export with progress, unanswered questions → entries."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from admin import crud, jobs
from admin.deps import KNOWLEDGE_EDITORS, PROTECTED, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render
from bot.models import utcnow

router = APIRouter(dependencies=[*PROTECTED, KNOWLEDGE_EDITORS])
FIELDS = ("question", "answer", "alternatives", "keywords", "category", "department", "source", "status")
MAX_UPLOAD = 5 * 1024 * 1024


def kb():
    from knowledge_base import service

    return service


@router.get("/faq")
def faq_list(request: Request, session: SessionDep, q: str = "", status: str = "", done: str = "") -> Response:
    """Entries with search and status filter, hit counts and the most-asked unanswered questions."""
    entries = kb().list_entries(session, status=status or None, search=q.strip() or None, limit=300)
    return render(request, "faq_list.html", {
        "entries": entries, "q": q, "status": status, "done": done,
        "unanswered": kb().list_unanswered(session, limit=10)})


def _form_fields(form) -> dict:
    data = {name: (form.get(name) or "").strip() for name in FIELDS}
    if not data["status"]:
        del data["status"]
    for name in ("category", "department", "source"):
        data[name] = data[name] or None
    return data


def _next_code(session) -> str:
    return f"F{utcnow():%y%m%d%H%M%S}"


@router.get("/faq/new")
def faq_new(request: Request, session: SessionDep, unanswered: int | None = None) -> Response:
    """A blank entry form, or one filled from an unanswered question."""
    row = None
    if unanswered is not None:
        row = next((u for u in kb().list_unanswered(session, resolved=None, limit=1000) if u.id == unanswered), None)
    entry = {"code": _next_code(session), "question": row.text if row else "", "answer": "", "alternatives": [],
             "keywords": [], "category": "", "department": "", "source": "", "status": "published"}
    return render(request, "faq_edit.html", {"entry": entry, "new": True, "unanswered": row, "error": None})


@router.post("/faq/new")
async def faq_create(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Create an entry (from scratch or from an unanswered question)."""
    form = await request.form()
    code = (form.get("code") or "").strip()
    data = _form_fields(form)
    unanswered = form.get("unanswered_id")
    try:
        if unanswered:
            answer = data.pop("answer", "")
            entry = kb().entry_from_unanswered(session, unanswered_id=int(unanswered), code=code, answer=answer,
                                               by=staff.username, **data)
        else:
            entry = kb().create_entry(session, code=code, by=staff.username, **data)
    except (kb().FaqError, ValueError) as exc:
        session.rollback()
        return render(request, "faq_edit.html", {"entry": {**data, "code": code}, "new": True, "error": str(exc),
                                                 "unanswered": None}, status_code=400)
    crud.audit(session=session, staff=staff, action="faq.create", target=f"faq:{entry.code}", ip=client_ip(request))
    return RedirectResponse(f"/admin/faq?done=已保存 {entry.code}", status_code=303)


@router.get("/faq/import")
def faq_import_page(request: Request) -> Response:
    """Upload a CSV or Excel file."""
    return render(request, "faq_import.html", {"job": None})


@router.post("/faq/import")
async def faq_import(request: Request, session: SessionDep, staff: StaffDep, background: BackgroundTasks,
                     file: UploadFile) -> Response:
    """Save the upload and import it in the background; the page polls the job's progress."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return render(request, "faq_import.html", {"job": None, "error": "请上传 .csv 或 .xlsx 文件"}, status_code=400)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return render(request, "faq_import.html", {"job": None, "error": "文件超过 5MB"}, status_code=400)
    with tempfile.NamedTemporaryFile(delete=False, suffix=suffix) as tmp:
        tmp.write(data)
    job = crud.create_job(session=session, kind="faq_import", staff=staff)
    crud.audit(session=session, staff=staff, action="faq.import", target=f"job:{job.id}",
               detail={"file": file.filename}, ip=client_ip(request))
    session.commit()
    background.add_task(jobs.run_import, request.app.state.admin.engine, job.id, tmp.name, staff.username)
    return render(request, "faq_import.html", {"job": job})


@router.post("/faq/export")
def faq_export(request: Request, session: SessionDep, staff: StaffDep, background: BackgroundTasks,
               fmt: Annotated[str, Form(pattern="^(csv|xlsx)$")] = "xlsx") -> Response:
    """Export every entry in the background; the page offers the file when it is ready."""
    job = crud.create_job(session=session, kind="faq_export", staff=staff)
    crud.audit(session=session, staff=staff, action="faq.export", target=f"job:{job.id}", ip=client_ip(request))
    session.commit()
    background.add_task(jobs.run_export, request.app.state.admin.engine, job.id, fmt)
    return render(request, "faq_import.html", {"job": job})


@router.get("/jobs/{job_id}")
def job_progress(request: Request, session: SessionDep, job_id: int) -> Response:
    """The progress bar (polled until the job is done)."""
    job = crud.get_job(session=session, job_id=job_id)
    if job is None:
        raise NotFoundPage("没有这个任务。")
    return render(request, "_job.html", {"job": job})


@router.get("/jobs/{job_id}/download")
def job_download(session: SessionDep, staff: StaffDep, job_id: int) -> Response:
    """The exported file."""
    job = crud.get_job(session=session, job_id=job_id)
    if job is None or job.kind != "faq_export" or job.status != "done" or job.staff_id != staff.id:
        raise NotFoundPage("文件不存在或已过期。")
    path = Path(job.result["path"])
    return FileResponse(path, filename=f"faq-export{path.suffix}")


@router.get("/faq/unanswered")
def unanswered(request: Request, session: SessionDep) -> Response:
    """Questions the bot could not answer, most asked first."""
    return render(request, "faq_unanswered.html", {"rows": kb().list_unanswered(session, limit=200)})


@router.get("/faq/{code}")
def faq_edit(request: Request, session: SessionDep, code: str) -> Response:
    """Edit one entry; its version history below."""
    entry = kb().get_entry(session, code=code)
    if entry is None:
        raise NotFoundPage("没有这个条目。")
    return render(request, "faq_edit.html", {"entry": entry, "new": False, "error": None, "unanswered": None,
                                             "versions": kb().entry_versions(session, code=code)})


@router.post("/faq/{code}")
async def faq_save(request: Request, session: SessionDep, staff: StaffDep, code: str) -> Response:
    """Save changes (a new version only when something changed)."""
    form = await request.form()
    data = _form_fields(form)
    try:
        kb().update_entry(session, code=code, by=staff.username, **data)
    except kb().FaqError as exc:
        session.rollback()
        return render(request, "faq_edit.html", {"entry": {**data, "code": code}, "new": False, "error": str(exc),
                                                 "unanswered": None}, status_code=400)
    crud.audit(session=session, staff=staff, action="faq.update", target=f"faq:{code}", ip=client_ip(request))
    return RedirectResponse(f"/admin/faq?done=已保存 {code}", status_code=303)


@router.post("/faq/{code}/retire")
def faq_retire(request: Request, session: SessionDep, staff: StaffDep, code: str) -> Response:
    """Stop answering from this entry (kept for history)."""
    try:
        kb().retire_entry(session, code=code, by=staff.username)
    except kb().FaqError as exc:
        raise NotFoundPage(str(exc)) from None
    crud.audit(session=session, staff=staff, action="faq.retire", target=f"faq:{code}", ip=client_ip(request))
    return RedirectResponse(f"/admin/faq?done=已停用 {code}", status_code=303)
