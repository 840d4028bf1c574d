"""Outbox rows through their states: claim (atomic), finish, reconcile, dead letters, retry, phone tasks.

    pending ──claim──▶ sending ──ok──▶ sent
       ▲                  │ ├─transient──▶ failed ──(backoff)──claim──▶ sending …
       │                  │ ├─permanent / too many attempts──▶ dead ──retry() by staff──▶ pending
       │                  │ └─45015──▶ rerouted (a template or phone_task row takes over)
       └──quiet hours / quota pause (no attempt charged)
    sending with an expired lease ──reconcile──▶ failed + in_doubt (asked "was it delivered?" before resending)
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlmodel import Session

from bot.models import Outbox, utcnow

RESIDENT_KINDS = ("customer_service", "template", "subscribe")
SENDABLE_KINDS = (*RESIDENT_KINDS, "robot")
CLAIMABLE = ("pending", "failed")


def client_msg_id(row: Outbox) -> str:
    """The id we send with every attempt of a row (header X-Linli-Msg-Id; template client_msg_id)."""
    return "lx" + hashlib.sha1(row.idempotency_key.encode()).hexdigest()[:24]


def claim(*, session: Session, holder: str, now: datetime, limit: int, lease_seconds: float,
          skip_wechat: bool = False) -> list[Outbox]:
    """Take up to `limit` due rows for this sender: FOR UPDATE SKIP LOCKED on PostgreSQL, then a guarded UPDATE."""
    cond = [Outbox.status.in_(CLAIMABLE), Outbox.kind.in_(SENDABLE_KINDS), Outbox.next_attempt_at <= now]
    if skip_wechat:
        cond.append(Outbox.kind == "robot")
    ids = list(session.execute(
        select(Outbox.id).where(*cond).order_by(Outbox.urgent.desc(), Outbox.next_attempt_at, Outbox.id).limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars())
    if not ids:
        return []
    session.execute(
        update(Outbox).where(Outbox.id.in_(ids), Outbox.status.in_(CLAIMABLE))
        .values(status="sending", claimed_by=holder, claimed_until=now + timedelta(seconds=lease_seconds),
                attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(select(Outbox).where(Outbox.id.in_(ids), Outbox.claimed_by == holder,
                                                Outbox.status == "sending")
                           .execution_options(populate_existing=True)).scalars()
    return list(rows)


def finish(*, session: Session, row_id: int, holder: str, **values: Any) -> bool:
    """Record an attempt's outcome, only if this sender still holds the row."""
    return finish_many(session=session, holder=holder, columns=tuple(values), rows=[{"row_id": row_id, **values}]) == 1


def finish_many(*, session: Session, holder: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> int:
    """Many outcomes of the same shape in one executemany; each only where this sender still holds the row.

    Returns the rows changed, or -1 when the driver cannot tell for an executemany."""
    table = Outbox.__table__
    stmt = (update(table)
            .where(table.c.id == bindparam("row_id"), table.c.claimed_by == holder, table.c.status == "sending")
            .values({c: bindparam(f"v_{c}") for c in columns}))
    params = [{"row_id": r["row_id"], **{f"v_{c}": r[c] for c in columns}} for r in rows]
    result = session.connection().execute(stmt, params)
    return result.rowcount if result.rowcount is not None else -1


def note_planned_id(*, session: Session, row_ids: list[int], holder: str, provider_id: str) -> None:
    """Before a digest goes out, write its id on the rows it covers, so reconciliation can ask about it."""
    session.execute(update(Outbox).where(Outbox.id.in_(row_ids), Outbox.claimed_by == holder)
                    .values(provider_msg_id=provider_id).execution_options(synchronize_session=False))


def reconcile_expired(*, session: Session, now: datetime) -> int:
    """Rows left in 'sending' by a sender that died: their outcome is unknown, so they are marked in doubt.

    A row is left when its lease expired, or at once when its holder was a process on this host that is gone."""
    from bot.scheduling.lease import holder_is_dead

    holders = session.execute(select(Outbox.claimed_by).where(Outbox.status == "sending").distinct()).scalars()
    dead = [h for h in holders if holder_is_dead(h)]
    result = session.execute(
        update(Outbox).where(Outbox.status == "sending", or_(Outbox.claimed_until < now, Outbox.claimed_by.in_(dead)))
        .values(status="failed", in_doubt=True, claimed_by=None, next_attempt_at=now,
                last_error="the sender stopped while sending: outcome unknown")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def defer_quiet(*, session: Session, until: datetime) -> int:
    """Quiet hours: non-urgent pushes to residents wait until `until` (late replies to a message are answers, not pushes)."""
    result = session.execute(
        update(Outbox).where(Outbox.status.in_(CLAIMABLE), Outbox.kind.in_(RESIDENT_KINDS),
                             Outbox.urgent.is_(False), Outbox.next_attempt_at < until,
                             Outbox.idempotency_key.not_like("late-reply:%"))
        .values(next_attempt_at=until).execution_options(synchronize_session=False)
    )
    return result.rowcount


def robot_posts_since(*, session: Session, recipient: str, since: datetime) -> int:
    """Messages actually posted to one robot since a time (a digest covering many rows counts once)."""
    return session.execute(
        select(func.count(func.distinct(Outbox.provider_msg_id))).where(
            Outbox.kind == "robot", Outbox.recipient == recipient, Outbox.status == "sent", Outbox.sent_at >= since)
    ).scalar_one()


# ---- for the admin page ----------------------------------------------------------------------------------

def dead_letters(*, session: Session, limit: int = 200) -> list[Outbox]:
    """Messages that will not be sent again without a person deciding (newest first)."""
    stmt = select(Outbox).where(Outbox.status == "dead").order_by(Outbox.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def retry(*, session: Session, outbox_id: int, now: datetime | None = None) -> Outbox:
    """Staff send a dead (or failed) message again, now; an in-doubt row is resent on their decision."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.status not in ("dead", "failed"):
        raise ValueError(f"outbox row {outbox_id} is not dead or failed")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now or utcnow()
    row.dead_reason, row.in_doubt, row.claimed_by, row.claimed_until = None, False, None, None
    session.add(row)
    session.flush()
    return row


def counts(*, session: Session) -> dict[str, int]:
    """Rows per status, for the admin page and `linli scheduler status` (phone tasks are calls, not sends:
    they have their own page)."""
    rows = session.execute(select(Outbox.status, func.count()).where(Outbox.kind != "phone_task")
                           .group_by(Outbox.status)).all()
    return {status: n for status, n in rows}
