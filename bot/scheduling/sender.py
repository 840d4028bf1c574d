"""The outbox sender: claims due rows in batches, calls the APIs from a thread pool, records each outcome.

Any number of senders may run (each claim is atomic); normally one runs inside the scheduler process.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.models import Outbox, utcnow
from bot.org.models import Grid, Resident
from bot.outbox import enqueue
from bot.scheduling import lease, robots
from bot.scheduling.api import ApiClient, ApiResult
from bot.scheduling.clock import local_day, next_local_midnight, quiet_until
from bot.scheduling.outbox import (claim, client_msg_id, defer_quiet, finish_many, note_planned_id,
                                   reconcile_expired, robot_posts_since)

log = logging.getLogger(__name__)

PAUSE_WECHAT = "pause:wechat"
OUTSIDE_WINDOW = {45015, 45047}  # 48-hour window closed; too many messages since the resident last wrote
QUOTA = 45009
PERMANENT = {40003, 40008, 40013, 40037, 41030, 43004, 43101, 44004, 47003, 93000}
BACKOFF_CAP = 3600.0


@dataclass
class Outcome:
    """What to write to one row after an attempt, plus rows to enqueue and a pause to set."""

    row_id: int
    label: str
    values: dict[str, Any]
    enqueue: list[dict[str, Any]] = field(default_factory=list)
    pause_until: datetime | None = None


class Sender:
    """One sender: `run_once(now)` handles one batch; `run_forever(stop)` loops until stopped."""

    def __init__(self, *, engine: Engine, settings: Settings, client: ApiClient | None = None,
                 holder: str | None = None, threads: int | None = None, batch: int | None = None,
                 lease_seconds: float | None = None, seed: int | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.lease_seconds = float(lease_seconds or settings.outbox_lease_seconds)
        self.timeout = max(0.5, min(10.0, self.lease_seconds / 4))
        self.client = client or ApiClient(engine=engine, settings=settings, timeout=self.timeout)
        self.holder = holder or lease.holder_id("sender:")
        self.batch = batch or settings.sender_batch
        self.pool = ThreadPoolExecutor(threads or settings.sender_threads, thread_name_prefix="linli-sender")
        self.stats: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._names: dict[str, tuple[float, set[str]]] = {}
        self._quota = threading.Event()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    # ---- the loop ---------------------------------------------------------------------------------------
    def run_forever(self, stop: threading.Event, idle: float = 0.5) -> None:
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                log.exception("sender batch failed")
                handled = 0
            if handled == 0:
                stop.wait(idle)

    def run_once(self, now: datetime | None = None) -> int:
        """Reconcile, defer for quiet hours, claim one batch, send it, record it. Returns rows handled."""
        now = now or utcnow()
        s = self.settings
        with Session(self.engine, expire_on_commit=False) as session:
            self.stats["reconciled"] += reconcile_expired(session=session, now=now)
            until = quiet_until(now, s.quiet_hours, s.timezone)
            if until is not None:
                defer_quiet(session=session, until=until)
            pause = lease.current(session=session, name=PAUSE_WECHAT, now=now)
            rows = claim(session=session, holder=self.holder, now=now, limit=self.batch,
                         lease_seconds=self.lease_seconds, skip_wechat=pause is not None)
            session.commit()
        if not rows:
            return 0
        deadline = time.monotonic() + self.lease_seconds - self.timeout - 1
        self._quota.clear()
        outcomes: list[Outcome] = []
        tasks: list[Callable[[], list[Outcome]]] = []
        wechat = [r for r in rows if r.kind != "robot"]
        tasks += [(lambda r=r: self._guarded([r], now, lambda: [self._send_wechat(r, now, deadline)])) for r in wechat]
        by_robot: dict[str, list[Outbox]] = defaultdict(list)
        for r in rows:
            if r.kind == "robot":
                by_robot[r.recipient].append(r)
        for recipient, group in by_robot.items():
            planned, ready = self._plan_robot(recipient, group, now, deadline)
            outcomes += planned
            tasks += ready
        for result in self.pool.map(lambda task: task(), tasks):
            outcomes += result
        self._record(outcomes, now)
        return len(rows)

    def _guarded(self, rows: list[Outbox], now: datetime, call: Callable[[], list[Outcome]]) -> list[Outcome]:
        """A bug or an unexpected error in one task must not lose the batch: its rows are failed, in doubt."""
        try:
            return call()
        except Exception as exc:
            log.exception("sending outbox rows %s failed", [r.id for r in rows])
            return [self._failed(r, now, f"sender error: {exc!r}", in_doubt=True) for r in rows]

    def _record(self, outcomes: list[Outcome], now: datetime) -> None:
        """Write all outcomes in one transaction: one executemany per shape of outcome (10,000 single UPDATEs
        through the ORM cost 3 ms each)."""
        groups: dict[tuple[str, ...], list[Outcome]] = defaultdict(list)
        for o in outcomes:
            groups[tuple(sorted(o.values))].append(o)
        with Session(self.engine) as session:
            for columns, group in groups.items():
                done = finish_many(session=session, holder=self.holder, columns=columns,
                                   rows=[{"row_id": o.row_id, **o.values} for o in group])
                for o in group:
                    self.stats[o.label] += 1
                if done >= 0 and done < len(group):
                    self.stats["lost_lease"] += len(group) - done
            for o in outcomes:
                for spec in o.enqueue:
                    enqueue(session=session, **spec)
                if o.pause_until is not None:
                    lease.set_until(session=session, name=PAUSE_WECHAT, until=o.pause_until,
                                    note="45009: daily quota used up")
            session.commit()

    # ---- outcomes ---------------------------------------------------------------------------------------
    def _sent(self, row: Outbox, now: datetime, provider_id: str | None, label: str = "sent") -> Outcome:
        return Outcome(row.id, label, {"status": "sent", "sent_at": now, "provider_msg_id": provider_id,
                                       "in_doubt": False, "claimed_by": None, "last_error": None})

    def _dead(self, row: Outbox, reason: str, label: str = "dead") -> Outcome:
        return Outcome(row.id, label, {"status": "dead", "dead_reason": reason, "last_error": reason,
                                       "claimed_by": None})

    def _failed(self, row: Outbox, now: datetime, error: str, in_doubt: bool = False) -> Outcome:
        if row.attempts >= self.settings.outbox_max_attempts:
            out = self._dead(row, f"gave up after {row.attempts} attempts: {error}")
            out.values["in_doubt"] = in_doubt
            return out
        delay = min(BACKOFF_CAP, self.settings.outbox_retry_base_seconds * 2 ** (row.attempts - 1))
        delay *= self._random.uniform(0.5, 1.5)  # jitter: retries from one outage do not arrive together
        return Outcome(row.id, "retry", {"status": "failed", "last_error": error, "in_doubt": in_doubt,
                                         "next_attempt_at": now + timedelta(seconds=delay), "claimed_by": None})

    def _defer(self, row: Outbox, until: datetime, reason: str, label: str = "deferred") -> Outcome:
        """Not an attempt (quiet hours, quota, robot rate, lease running out): the attempt is given back."""
        return Outcome(row.id, label, {"status": "pending", "attempts": row.attempts - 1, "next_attempt_at": until,
                                       "last_error": reason, "claimed_by": None})

    # ---- WeChat -----------------------------------------------------------------------------------------
    def _send_wechat(self, row: Outbox, now: datetime, deadline: float) -> Outcome:
        if self._quota.is_set():
            return self._defer(row, next_local_midnight(now, self.settings.timezone), "45009 quota: paused")
        if time.monotonic() > deadline:
            return self._defer(row, now, "lease ran out before sending", label="released")
        cid = client_msg_id(row)
        if row.in_doubt:
            known = self.client.delivered(row.kind, row.provider_msg_id or cid)
            if known:
                return self._sent(row, now, row.provider_msg_id or cid, label="reconciled_sent")
            if known is None:
                return self._dead(row, "in doubt: an earlier attempt may have been delivered and WeChat cannot be "
                                       "asked; resend only after checking with the resident", label="in_doubt")
        body = wechat_body(row, cid)
        if body is None:
            return self._dead(row, f"payload cannot be sent as {row.kind}")
        result = self.client.send_wechat(row.kind, body, client_msg_id=cid)
        return self._wechat_outcome(row, now, result)

    def _wechat_outcome(self, row: Outbox, now: datetime, r: ApiResult) -> Outcome:
        if r.ok:
            return self._sent(row, now, r.msgid or client_msg_id(row))
        if r.errcode in OUTSIDE_WINDOW and row.kind == "customer_service":
            return self._reroute(row, r)
        if r.errcode == QUOTA:
            self._quota.set()
            until = next_local_midnight(now, self.settings.timezone)
            out = self._defer(row, until, r.describe(), label="quota")
            out.pause_until = until
            out.enqueue.append(dict(
                key=f"quota-alert:{local_day(now, self.settings.timezone)}", kind="robot", recipient="street",
                urgent=True, payload={"msgtype": "text", "text": "【告警】公众号消息接口今日额度已用完（45009），"
                                      "发给居民的消息暂停，明日0点自动恢复。"}))
            return out
        if r.errcode in PERMANENT:
            return self._dead(row, r.describe())
        return self._failed(row, now, r.describe(), in_doubt=r.in_doubt)

    def _reroute(self, row: Outbox, r: ApiResult) -> Outcome:
        """45015: the 48-hour window is closed; a template message (if configured) or a phone task for staff."""
        text = _text_of(row.payload)
        fallback = row.payload.get("fallback")
        template_id = self.settings.wechat_notice_template_id
        if fallback:
            spec = dict(kind=fallback.get("kind", "template"), payload=fallback)
        elif template_id:
            spec = dict(kind="template", payload={"template_id": template_id, "data": {"content": {"value": text[:200]}}})
        else:
            spec = dict(kind="phone_task", payload={"text": text, "reason": f"{r.describe()}：超出48小时客服消息窗口，请电话联系",
                                                    "source_key": row.idempotency_key,
                                                    "ticket": row.payload.get("ticket")})
        key = f"{row.idempotency_key}:{spec['kind']}"
        spec.update(key=key, recipient=row.recipient, channel=row.channel, urgent=row.urgent)
        return Outcome(row.id, "rerouted", {"status": "rerouted", "last_error": f"{r.describe()} → {key}",
                                            "claimed_by": None}, enqueue=[spec])

    # ---- robots -----------------------------------------------------------------------------------------
    def _plan_robot(self, recipient: str, rows: list[Outbox], now: datetime,
                    deadline: float) -> tuple[list[Outcome], list[Callable[[], list[Outcome]]]]:
        """Decide per robot: individual posts within the rate, one digest beyond it, or wait for the next minute."""
        done: list[Outcome] = []
        pending = []
        for r in rows:  # in-doubt rows first, and outside any transaction: this asks the provider over HTTP
            if r.in_doubt:
                known = self.client.delivered("robot", r.provider_msg_id or client_msg_id(r))
                if known:
                    done.append(self._sent(r, now, r.provider_msg_id or client_msg_id(r), "reconciled_sent"))
                    continue
                if known is None:
                    done.append(self._dead(r, "in doubt: the robot post may have been delivered", "in_doubt"))
                    continue
            pending.append(r)
        with Session(self.engine) as session:
            key = self._robot_key(session, recipient)
            if not key:
                return done + [self._dead(r, f"no robot webhook key for {recipient}") for r in pending], []
            names = self._resident_names(session, recipient)
            budget = self.settings.robot_rate_per_minute - robot_posts_since(
                session=session, recipient=recipient, since=now - timedelta(seconds=60))
            if not pending:
                return done, []
            if budget <= 0:
                return done + [self._defer(r, now + timedelta(seconds=60), "robot rate limit", "robot_wait")
                               for r in pending], []
            if len(pending) <= budget:
                return done, [(lambda r=r: self._guarded([r], now, lambda: self._post_robot(
                    key, [r], robots.body_for(r.payload, names), client_msg_id(r), now, deadline))) for r in pending]
            tasks = []
            start = 0
            for i, (body, count) in enumerate(robots.digest_bodies([r.payload for r in pending], names)):
                group, start = pending[start:start + count], start + count
                if i >= budget:
                    done += [self._defer(r, now + timedelta(seconds=60), "robot rate limit", "robot_wait") for r in group]
                    continue
                cid = "dg" + hashlib.sha1("|".join(client_msg_id(r) for r in group).encode()).hexdigest()[:24]
                note_planned_id(session=session, row_ids=[r.id for r in group], holder=self.holder, provider_id=cid)
                tasks.append(lambda body=body, group=group, cid=cid: self._guarded(
                    group, now, lambda: self._post_robot(key, group, body, cid, now, deadline)))
            session.commit()
        return done, tasks

    def _post_robot(self, key: str, rows: list[Outbox], body: dict[str, Any], cid: str, now: datetime,
                    deadline: float) -> list[Outcome]:
        if time.monotonic() > deadline:
            return [self._defer(r, now, "lease ran out before sending", "released") for r in rows]
        r = self.client.send_robot(key, body, client_msg_id=cid)
        label = "sent" if len(rows) == 1 else "digested"
        if r.ok:
            return [self._sent(row, now, cid, label) for row in rows]
        if r.errcode == QUOTA:
            return [self._defer(row, now + timedelta(seconds=60), r.describe(), "robot_wait") for row in rows]
        if r.errcode in PERMANENT:
            return [self._dead(row, r.describe()) for row in rows]
        return [self._failed(row, now, r.describe(), in_doubt=r.in_doubt) for row in rows]

    def _robot_key(self, session: Session, recipient: str) -> str | None:
        if recipient == "street":
            return self.settings.street_robot_key or None
        if recipient.startswith("key:"):
            return recipient[4:]
        if recipient.startswith("grid:"):
            ident = recipient[5:]
            stmt = select(Grid.robot_key).where(Grid.id == int(ident)) if ident.isdigit() else \
                select(Grid.robot_key).where(Grid.code == ident)
            return session.execute(stmt).scalar_one_or_none()
        return None

    def _resident_names(self, session: Session, recipient: str) -> set[str]:
        """Names to mask in this group's posts (cached 5 minutes)."""
        cached = self._names.get(recipient)
        if cached and time.monotonic() - cached[0] < 300:
            return cached[1]
        stmt = select(Resident.name).where(Resident.name.is_not(None))
        if recipient.startswith("grid:") and recipient[5:].isdigit():
            stmt = stmt.where(Resident.grid_id == int(recipient[5:]))
        names = {n for n in session.execute(stmt).scalars() if n}
        self._names[recipient] = (time.monotonic(), names)
        return names


def _text_of(payload: dict[str, Any]) -> str:
    value = payload.get("text", "")
    return value.get("content", "") if isinstance(value, dict) else str(value or "")


def wechat_body(row: Outbox, cid: str) -> dict[str, Any] | None:
    """The API body for a customer-service, template or subscribe row."""
    p = row.payload
    if row.kind == "customer_service":
        msgtype = p.get("msgtype", "text")
        if msgtype == "text":
            text = _text_of(p)
            return {"touser": row.recipient, "msgtype": "text", "text": {"content": text}} if text else None
        return {"touser": row.recipient, "msgtype": msgtype, msgtype: p.get(msgtype)}
    if not p.get("template_id"):
        return None
    body = {"touser": row.recipient, "template_id": p["template_id"], "data": p.get("data", {})}
    if row.kind == "template":
        body["client_msg_id"] = cid  # WeChat drops a repeat of the same openid + client_msg_id within 10 minutes
        for extra in ("url", "miniprogram"):
            if p.get(extra):
                body[extra] = p[extra]
    elif p.get("page"):
        body["page"] = p["page"]
    return body
