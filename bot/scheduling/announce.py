"""Announcements and emergency alerts (通知 / 紧急通知) to all grid groups or chosen ones, with progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from bot.models import Outbox
from bot.org.models import Grid
from bot.outbox import enqueue
from bot.scheduling.models import Announcement


class UnknownGrid(ValueError):
    """A grid code that does not exist."""


def announce(*, session: Session, text: str, grid_codes: list[str] | None = None, urgent: bool = False,
             author: str | None = None) -> Announcement:
    """Queue one robot post per grid group (all grids when grid_codes is None); urgent ones go first."""
    text = text.strip()
    if not text:
        raise ValueError("通知内容不能为空")
    stmt = select(Grid).order_by(Grid.code)
    if grid_codes:
        stmt = stmt.where(Grid.code.in_(grid_codes))
    grids = list(session.execute(stmt).scalars())
    missing = set(grid_codes or ()) - {g.code for g in grids}
    if missing:
        raise UnknownGrid("没有这些网格：" + "、".join(sorted(missing)))
    row = Announcement(text=text, urgent=urgent, author=author, grid_codes=[g.code for g in grids], total=len(grids))
    session.add(row)
    session.flush()
    title = "【紧急通知】" if urgent else "【通知】"
    for grid in grids:
        enqueue(session=session, key=f"announce:{row.id}:{grid.code}", kind="robot", channel="wecom",
                recipient=f"grid:{grid.id}", urgent=urgent,
                payload={"msgtype": "text", "text": f"{title}{text}" + (f"\n——{author}" if author else "")})
    session.flush()
    return row


def announcement_progress(*, session: Session, announcement_id: int) -> dict[str, Any]:
    """{id, total, sent, failed, pending, dead, grids: {code: status}} for the admin page."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise ValueError(f"no announcement {announcement_id}")
    prefix = f"announce:{row.id}:"
    per_grid = dict(session.execute(select(Outbox.idempotency_key, Outbox.status)
                                    .where(Outbox.idempotency_key.like(prefix + "%"))).all())
    grids = {key[len(prefix):]: status for key, status in per_grid.items()}
    statuses = list(grids.values())
    return {
        "id": row.id, "text": row.text, "urgent": row.urgent, "total": row.total,
        "sent": statuses.count("sent"),
        "failed": statuses.count("failed") + statuses.count("dead"),
        "pending": statuses.count("pending") + statuses.count("sending"),
        "dead": statuses.count("dead"),
        "grids": grids,
    }


def recent_announcements(*, session: Session, limit: int = 20) -> list[Announcement]:
    return list(session.execute(select(Announcement).order_by(Announcement.id.desc()).limit(limit)).scalars())


