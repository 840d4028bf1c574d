"""The dialogue engine: ordered handler groups turn one Inbound into one Reply; the first match wins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, inspect, select
from sqlmodel import Session

from bot.db import insert_ignore
from bot.dialogue import texts
from bot.inbound import Inbound, Reply, split_text
from bot.models import BEIJING, ChatMessage, Conversation, utcnow


@dataclass
class Turn:
    """One resident message being handled: the message, its conversation, the open session and the clock."""

    inbound: Inbound
    session: Session
    conversation: Conversation
    now: datetime
    _classification: Any = field(default=None, repr=False)
    _about_earlier: bool = field(default=False, repr=False)  # the verdict is of an earlier message (see about)

    @property
    def text(self) -> str:
        return self.inbound.text.strip()

    @property
    def today(self) -> date:
        """The resident's date (Beijing), which FAQ validity and the 连心树 day are judged by: at 07:00 on
        1 January an entry valid until 31 December has expired, though it is still 31 December in UTC."""
        return self.now.astimezone(BEIJING).date()

    @property
    def classification(self):
        """The classifier's verdict on this message, computed once."""
        if self._classification is None:
            import intents

            self._classification = intents.classify(self.text)
        return self._classification

    def about(self, text: str):
        """Classify `text` (an earlier message this one answers) and use that verdict for the rest of the turn."""
        import intents

        self._classification = intents.classify(text.strip())
        self._about_earlier = True
        return self._classification

    @property
    def state(self) -> str | None:
        return self.conversation.state

    def set_state(self, state: str | None, **data: Any) -> None:
        self.conversation.state = state
        self.conversation.data = {**(self.conversation.data or {}), "flow": data} if state else {
            k: v for k, v in (self.conversation.data or {}).items() if k != "flow"
        }

    @property
    def flow_data(self) -> dict[str, Any]:
        return dict((self.conversation.data or {}).get("flow") or {})

    def kept_within(self, kept: Any, window: timedelta) -> bool:
        """Whether `kept` (a dict the conversation stores with its time, as isoformat, under "at") is at most
        `window` old; something unreadable is not."""
        try:
            return self.now - datetime.fromisoformat(kept["at"]) <= window
        except (KeyError, TypeError, ValueError):
            return False


class Handler(Protocol):
    """Two steps, as in python-telegram-bot: a cheap `check` that may return match data, then `handle`."""

    name: str

    def check(self, turn: Turn) -> Any | None: ...

    def handle(self, turn: Turn, match: Any) -> Reply: ...


class Dialogue:
    """Tries handler groups in order (open conversation, events, commands, intent route)."""

    def __init__(self, groups: Sequence[Sequence[Handler]]) -> None:
        self.groups = [list(g) for g in groups]

    def warm_up(self, engine) -> None:  # noqa: ANN001
        """Load the classifier's dictionaries and the FAQ index once, so no resident waits for them."""
        import intents

        intents.classify("你好，楼道灯坏了")
        intents.default_classifier().warm_up()
        try:
            from knowledge_base import service as kb
        except ImportError:
            return
        with Session(engine) as session:
            kb.get_index(session)
        import jieba.posseg  # noqa: F401  the matcher's part-of-speech table (0.3 s), otherwise loaded mid-message

    def respond(self, *, session: Session, inbound: Inbound, now: datetime | None = None,
                log_rows: list[dict[str, Any]] | None = None, conversations: Conversations | None = None) -> Reply:
        """Answer one message; chat-log rows go to `log_rows` (the caller inserts a batch at once) or are written now.

        `conversations` holds rows already loaded and locked for a batch (see `prefetch_conversations`)."""
        now = now or utcnow()
        conversation = load_conversation(session=session, channel=inbound.channel, user_id=inbound.user_id,
                                         loaded=conversations)
        if inbound.msg_type != "event":
            conversation.last_inbound_at = now
        turn = Turn(inbound=inbound, session=session, conversation=conversation, now=now)
        reply, handler_name = self._dispatch(turn)
        reply = _fit(turn, _advised(turn, reply))
        rows = _log_rows(turn, reply, handler_name)
        if log_rows is not None:
            log_rows.extend(rows)
        elif rows:
            session.execute(insert(ChatMessage), rows)
        conversation.updated_at = now
        return reply

    def _dispatch(self, turn: Turn) -> tuple[Reply, str]:
        for index, group in enumerate(self.groups):
            for handler in group:
                match = handler.check(turn)
                if match is not None:
                    return handler.handle(turn, match), handler.name
            if index == 0 and turn.state is not None:
                turn.set_state(None)  # the open conversation did not claim this message: it was abandoned
        return Reply(text=texts.NOT_UNDERSTOOD), "fallback"


Conversations = dict[tuple[str, str], Conversation]


def load_conversation(*, session: Session, channel: str, user_id: str,
                      loaded: Conversations | None = None) -> Conversation:
    """The resident's conversation row, locked for this turn (FOR UPDATE on PostgreSQL; SQLite's write lock
    is already held), created on first contact (safe against a concurrent first contact)."""
    if loaded is not None and (channel, user_id) in loaded:
        return loaded[(channel, user_id)]
    stmt = (select(Conversation).where(Conversation.channel == channel, Conversation.user_id == user_id)
            .with_for_update())
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        insert_ignore(session, Conversation, {"channel": channel, "user_id": user_id, "data": {}, "updated_at": utcnow()})
        row = session.execute(stmt).scalar_one()
    if loaded is not None:
        loaded[(channel, user_id)] = row
    return row


_PREFETCH = (select(Conversation).where(Conversation.channel == bindparam("channel"),
                                        Conversation.user_id.in_(bindparam("users", expanding=True)))
             .order_by(Conversation.id).with_for_update())


def prefetch_conversations(session: Session, residents: list[tuple[str, str]]) -> Conversations:
    """Load and lock the conversations of a batch of messages in one SELECT per channel (rows are locked in id
    order on PostgreSQL, as every batch locks them); first contacts are created when their turn comes.

    The statement is built once (building it and its cache key cost more than the rest of the query)."""
    loaded: Conversations = {}
    by_channel: dict[str, set[str]] = {}
    for channel, user_id in residents:
        by_channel.setdefault(channel, set()).add(user_id)
    for channel, users in by_channel.items():
        for row in session.execute(_PREFETCH, {"channel": channel, "users": sorted(users)}).scalars():
            loaded[(channel, row.user_id)] = row
    return loaded


_conversations = Conversation.__table__
_CONVERSATION_COLUMNS = frozenset(c.key for c in _conversations.columns if not c.primary_key)
_UPDATE_CONVERSATION = _conversations.update().where(_conversations.c.id == bindparam("conversation_id"))


def write_conversations(session: Session, conversations: Conversations) -> None:
    """Write back what a batch changed in its conversations, then take them out of the session so the commit's
    flush does not write them again.

    As the flush would: only columns whose value differs from the loaded one, rows in id order; but one Core
    executemany per set of changed columns (usually one: last_inbound_at and updated_at, with state and data
    when a flow moved) at a fraction of the unit of work's cost per object."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    written = []
    for conversation in sorted(conversations.values(), key=lambda c: c.id):
        state = inspect(conversation)
        if state.session_id != session.hash_key or not state.persistent:
            continue
        committed = state.committed_state
        values = {key: getattr(conversation, key) for key in _CONVERSATION_COLUMNS.intersection(committed)}
        values = {key: value for key, value in values.items() if value != committed[key]}
        written.append(conversation)
        if values:
            groups.setdefault(frozenset(values), []).append({"conversation_id": conversation.id, **values})
    connection = session.connection() if groups else None
    for rows in groups.values():
        connection.execute(_UPDATE_CONVERSATION, rows)
    for conversation in written:
        session.expunge(conversation)


def _advised(turn: Turn, reply: Reply) -> Reply:
    """What to do at once (被狗咬了: rinse the wound, vaccine within 24 h), put before whatever the handler answered —
    a clarifying question, the intake's first question, an FAQ answer — when this very message fired a rule with
    `advice` (not a choice that answers an earlier message, which had it already)."""
    c = turn._classification
    advice = getattr(c, "advice", None)
    if not advice or turn._about_earlier or not reply.text or advice in reply.text or reply.meta.get("redact"):
        return reply
    return Reply(text=f"{advice}\n{reply.text}", articles=reply.articles, meta=reply.meta)


def _fit(turn: Turn, reply: Reply) -> Reply:
    """Keep text replies within WeChat's 2048 bytes; the rest waits behind 「更多」."""
    if not reply.text:
        return reply
    first, rest = split_text(reply.text)
    data = turn.conversation.data or {}
    if rest or "more" in data:  # assign only on change: an assigned JSON column is written back by the flush
        data = {k: v for k, v in data.items() if k != "more"}
        if rest:
            data["more"] = rest
        turn.conversation.data = data
    return reply if not rest else Reply(text=first, articles=reply.articles, meta=reply.meta)


def _log_rows(turn: Turn, reply: Reply, handler_name: str) -> list[dict[str, Any]]:
    """The chat-log rows for this exchange; none when the handler asked for no trace (anonymous opinions)."""
    if reply.meta.get("redact"):
        return []
    ib = turn.inbound
    meta: dict[str, Any] = {"handler": handler_name}
    if turn._classification is not None:
        meta["classification"] = turn._classification.to_dict()
    cid = turn.conversation.id
    rows = [dict(conversation_id=cid, direction="in", author="resident", text=ib.text or f"[{ib.event or ib.msg_type}]",
                 msg_type=ib.msg_type, meta=meta, created_at=turn.now)]
    if reply.text:
        rows.append(dict(conversation_id=cid, direction="out", author="bot", text=reply.text, msg_type="text",
                         meta=reply.meta or None, created_at=turn.now))
    return rows
