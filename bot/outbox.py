"""The one way to send anything later: write an idempotent row to the outbox (the scheduler's sender sends it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.models import Outbox, utcnow


def enqueue(
    *,
    session: Session,
    key: str,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    channel: str = "wechat",
    urgent: bool = False,
    not_before: datetime | None = None,
) -> Outbox:
    """Add an outbound message once: a second call with the same key returns the first row unchanged."""
    existing = session.execute(select(Outbox).where(Outbox.idempotency_key == key)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = Outbox(
        idempotency_key=key,
        kind=kind,
        channel=channel,
        recipient=recipient,
        payload=payload,
        urgent=urgent,
        next_attempt_at=not_before or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return session.execute(select(Outbox).where(Outbox.idempotency_key == key)).scalar_one()
    return row
