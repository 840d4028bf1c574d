"""Gateway tables: conversations, the chat log, message dedupe and the outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


# the residents' and the staff's clock: dates shown or judged (ticket numbers, FAQ validity, deadlines on screen)
BEIJING = timezone(timedelta(hours=8))


def utcnow() -> datetime:
    """Aware UTC now; every timestamp in the database is UTC (SQLModel's UTCDateTime insists on tzinfo)."""
    return datetime.now(timezone.utc)


def beijing_today() -> date:
    """Today's date in Beijing, whatever the server's own time zone (containers often run in UTC)."""
    return utcnow().astimezone(BEIJING).date()


class ProcessedMessage(SQLModel, table=True):
    """One row per delivered message: the unique key makes a WeChat retry a no-op that gets the same reply."""

    __tablename__ = "processed_message"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    dedupe_key: str = Field(max_length=200, unique=True)
    user_id: str = Field(max_length=128, index=True)
    status: str = Field(default="processing", max_length=16)  # processing | done | deferred
    reply: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """A resident's conversation on one channel: the multi-turn state and the human hand-off."""

    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    user_id: str = Field(max_length=128, index=True)
    state: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    handoff: str | None = Field(default=None, max_length=16, index=True)  # None | waiting | claimed
    handoff_reason: str | None = Field(default=None, max_length=200)
    assignee_id: int | None = None
    last_inbound_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ChatMessage(SQLModel, table=True):
    """The chat log shown to staff: what the resident said, what Linli (or a person) answered, and why."""

    __tablename__ = "chat_message"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    direction: str = Field(max_length=8)  # in | out
    author: str = Field(default="bot", max_length=64)  # resident | bot | staff:<username>
    text: str
    msg_type: str = Field(default="text", max_length=16)
    meta: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Outbox(SQLModel, table=True):
    """An outbound message waiting for the one sender; the idempotency key stops a second enqueue."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)  # customer_service | template | subscribe | robot | phone_task
    channel: str = Field(default="wechat", max_length=16)
    recipient: str = Field(max_length=200, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)  # pending|sending|sent|failed|dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = None
    urgent: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    # issue-7 (migration 0005): the sender's lease on a row, the provider's id, and why a row is dead.
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    in_doubt: bool = False  # an attempt may have reached the provider (killed sender, read timeout)
    provider_msg_id: str | None = Field(default=None, max_length=64)
    dead_reason: str | None = None


class RequestNonce(SQLModel, table=True):
    """A (timestamp, nonce, signature) already accepted, with the message it carried: replays are refused."""

    __tablename__ = "request_nonce"
    key: str = Field(primary_key=True, max_length=200)
    dedupe_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)
