"""Named leases in the database: one holder at a time, with an expiry the holder renews."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.models import utcnow
from bot.scheduling.models import Lease


def holder_id(prefix: str = "") -> str:
    """host:pid:random — unique per process start, readable in the admin page."""
    return f"{prefix}{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _ensure_row(session: Session, name: str) -> None:
    if session.get(Lease, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(Lease(name=name))
            session.flush()
    except IntegrityError:
        pass


def acquire(*, session: Session, name: str, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Take or renew the lease: succeeds when it is free, expired, or already ours (one atomic UPDATE)."""
    now = now or utcnow()
    _ensure_row(session, name)
    result = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder.is_(None), Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def holder_is_dead(holder: str | None) -> bool:
    """True when `holder` names a process on this host that no longer exists (a restart after a crash)."""
    parts = (holder or "").split(":")
    if len(parts) < 4 or parts[1] != socket.gethostname()[:24] or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def take_over_if_dead(*, session: Session, name: str, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Take a lease whose holder died on this host without waiting for it to expire."""
    now = now or utcnow()
    row = session.get(Lease, name)
    if row is None or not holder_is_dead(row.holder):
        return False
    result = session.execute(update(Lease).where(Lease.name == name, Lease.holder == row.holder)
                             .values(holder=holder, expires_at=now + timedelta(seconds=ttl))
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1


def release(*, session: Session, name: str, holder: str) -> None:
    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                    .values(holder=None, expires_at=None).execution_options(synchronize_session=False))


def current(*, session: Session, name: str, now: datetime | None = None) -> Lease | None:
    """The lease if someone holds it now, else None."""
    now = now or utcnow()
    row = session.execute(select(Lease).where(Lease.name == name)).scalar_one_or_none()
    if row is None or row.holder is None or row.expires_at is None or row.expires_at < now:
        return None
    return row


def set_until(*, session: Session, name: str, until: datetime, note: str) -> None:
    """A flag that lasts until a time (e.g. the 45009 quota pause): holder 'system', expiry `until`."""
    _ensure_row(session, name)
    session.execute(update(Lease).where(Lease.name == name).values(holder="system", expires_at=until, note=note)
                    .execution_options(synchronize_session=False))
