"""Background jobs for the knowledge pages: FAQ import in chunks and export, progress written to admin_job."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from admin.models import AdminJob
from bot.models import utcnow

CHUNK = 20
EXPORT_DIR = Path(tempfile.gettempdir()) / "linli-admin-exports"


def _update(engine: Engine, job_id: int, **fields) -> None:
    with Session(engine) as session:
        job = session.get(AdminJob, job_id)
        for name, value in fields.items():
            setattr(job, name, value)
        session.add(job)
        session.commit()


def run_import(engine: Engine, job_id: int, path: str, by: str) -> None:
    """Import a CSV/XLSX file chunk by chunk so the page can show how far it got; bad rows are listed by line."""
    from knowledge_base import files
    from knowledge_base import service as kb

    try:
        rows, errors = files.read_rows(Path(path))
        _update(engine, job_id, total=len(rows), message="正在导入…")
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for start in range(0, len(rows), CHUNK):
            with Session(engine) as session:
                report = kb.import_rows(session, rows=rows[start:start + CHUNK], by=by)
            for name in totals:
                totals[name] += getattr(report, name)
            _update(engine, job_id, done=min(start + CHUNK, len(rows)))
        result = {**totals, "errors": [[line, reason] for line, reason in sorted(errors)]}
        _update(engine, job_id, status="done", result=result, finished_at=utcnow(),
                message=f"新增 {totals['created']} 条，更新 {totals['updated']} 条，未变 {totals['unchanged']} 条，"
                        f"错误 {len(errors)} 行")
    except Exception as exc:  # the page must show a clear error, whatever went wrong
        _update(engine, job_id, status="failed", message=f"导入失败：{exc}", finished_at=utcnow())
    finally:
        Path(path).unlink(missing_ok=True)


def run_export(engine: Engine, job_id: int, fmt: str) -> None:
    """Write every entry to a file the page then offers for download."""
    from knowledge_base import service as kb

    try:
        EXPORT_DIR.mkdir(exist_ok=True)
        path = EXPORT_DIR / f"faq-{job_id}.{fmt}"
        with Session(engine) as session:
            count = kb.export_file(session, path=path)
        _update(engine, job_id, status="done", total=count, done=count, result={"path": str(path)},
                finished_at=utcnow(), message=f"已导出 {count} 条")
    except Exception as exc:
        _update(engine, job_id, status="failed", message=f"导出失败：{exc}", finished_at=utcnow())
