"""The message processor: replay guard, dedupe and dialogue in one worker thread with group commit.

Requests hand their Inbound to one worker thread per process. It handles up to `batch` messages in one
transaction (each inside its own SAVEPOINT), so a burst costs one commit, not one per message. The
request waits for its reply within the time budget; past it the gateway answers `success` and the
reply goes to the outbox as a customer-service message.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.dialogue import Dialogue
from bot.dialogue.engine import prefetch_conversations, write_conversations
from bot.inbound import Inbound, Reply
from bot.db import PENDING_COUNTS, insert_ignore_many
from bot.models import ChatMessage, ProcessedMessage, RequestNonce, utcnow
from bot.outbox import enqueue

log = logging.getLogger(__name__)


class Replayed(Exception):
    """A (timestamp, nonce, signature) already used for a different message."""


@dataclass
class Job:
    inbound: Inbound
    replay_key: str | None
    future: Future = field(default_factory=Future)
    lock: threading.Lock = field(default_factory=threading.Lock)
    deferred: bool = False
    waiter: asyncio.Future | None = None  # wakes the waiting request; the outcome itself is in `future`


class Processor:
    """One per process: owns the worker thread that runs the dialogue against the database."""

    def __init__(self, *, engine: Engine, dialogue: Dialogue, batch: int = 64, nonce_ttl: int = 900) -> None:
        self.engine = engine
        self.dialogue = dialogue
        self.batch = batch
        self.nonce_ttl = nonce_ttl
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="linli-processor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def submit(self, inbound: Inbound, replay_key: str | None = None) -> Job:
        job = Job(inbound, replay_key)
        self._queue.put(job)
        return job

    async def process(self, inbound: Inbound, replay_key: str | None, budget: float) -> Reply | None:
        """The reply, or None when the budget ran out (the reply will then go through the outbox).

        The worker wakes all the requests of a batch with one call into the event loop (not one per message)."""
        job = Job(inbound, replay_key, waiter=asyncio.get_running_loop().create_future())
        self._queue.put(job)
        try:
            await asyncio.wait_for(job.waiter, timeout=budget)  # cancelling the waiter leaves the job running
        except asyncio.TimeoutError:
            with job.lock:
                if not job.future.done():
                    job.deferred = True  # the worker will send the reply through the outbox
                    return None
        return job.future.result()

    def process_now(self, inbound: Inbound, replay_key: str | None = None) -> Reply:
        """Synchronous variant for tests and the CLI: runs in the caller's thread, one transaction."""
        [job] = self.process_batch([(inbound, replay_key)])
        return job.future.result()

    def process_batch(self, items: list[tuple[Inbound, str | None]]) -> list[Job]:
        """Run messages as one batch in the caller's thread, as the worker does; each job's future has its outcome."""
        jobs = [Job(inbound, replay_key) for inbound, replay_key in items]
        self._run_batch(jobs)
        return jobs

    # ---- worker ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:  # load dictionaries and indexes here, off the request path, before the first message is taken
            self.dialogue.warm_up(self.engine)
        except Exception:
            log.exception("warm-up failed; the first message will pay for loading")
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            while len(jobs) < self.batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                jobs.append(nxt)
            try:
                self._run_batch(jobs)
            except Exception:  # never let the worker die; each job has its outcome already
                log.exception("processor batch failed")

    def _run_batch(self, jobs: list[Job]) -> None:
        """Run a batch in one transaction; if any message fails, run it again with a SAVEPOINT per message."""
        try:
            outcomes = self._attempt(jobs, isolate=False)
            if any(isinstance(o, Exception) and not isinstance(o, Replayed) for _, o in outcomes):
                outcomes = self._attempt(jobs, isolate=True)
        except Exception as exc:  # the commit itself failed: nothing was recorded
            log.exception("commit failed for a batch of %d", len(jobs))
            outcomes = [(job, exc) for job in jobs]
        for job, outcome in outcomes:
            self._resolve(job, outcome)
        _wake([job.waiter for job in jobs if job.waiter is not None])

    def _attempt(self, jobs: list[Job], *, isolate: bool) -> list[tuple[Job, Reply | BaseException]]:
        """The fast path (isolate=False) claims every key of the batch at once, stops at the first failure and
        rolls everything back; the isolated path claims and runs message by message, each in its own SAVEPOINT."""
        outcomes: list[tuple[Job, Reply | BaseException]] = []
        batch = _Batch()
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
            claims = conversations = None
            if not isolate:
                try:
                    claims = self._claim_all(session, jobs)
                    conversations = prefetch_conversations(session, [(j.inbound.channel, j.inbound.user_id) for j in jobs])
                except Exception as exc:  # let the isolated path find out which message it was
                    session.rollback()
                    return [(jobs[0], exc)]
            for job in jobs:
                try:
                    job_batch = _Batch()
                    session.info[PENDING_COUNTS] = job_batch.counts  # FAQ hits etc.: written by batch.write
                    if isolate:
                        with session.begin_nested():  # a failing message rolls back alone
                            reply = self._handle(session, job, job_batch, batch, self._claim_all(session, [job]))
                    else:
                        reply = self._handle(session, job, job_batch, batch, claims, conversations)
                    batch.absorb(job_batch)
                    outcomes.append((job, reply))
                except Replayed as exc:  # raised before anything was written for this message
                    outcomes.append((job, exc))
                except Exception as exc:
                    if not isolate:
                        session.rollback()
                        return [(job, exc)]
                    log.exception("dialogue failed for %s", job.inbound.dedupe_key)
                    outcomes.append((job, exc))
                finally:
                    session.info.pop(PENDING_COUNTS, None)
            if conversations is not None:  # the isolated path leaves them to the flush (SAVEPOINTs flush anyway)
                write_conversations(session, conversations)
            batch.write(session)
            self._maybe_purge(session)
            session.commit()
        return outcomes

    def _claim_all(self, session: Session, jobs: list[Job]) -> "_Claims":
        """Replay nonces, then dedupe keys, for the whole batch: two statements instead of two per message."""
        now = utcnow()
        nonce_of: dict[str, str] = {}  # replay key -> the message it carried, first use in this batch wins
        for job in jobs:
            if job.replay_key:
                nonce_of.setdefault(job.replay_key, job.inbound.dedupe_key)
        fresh_nonces = insert_ignore_many(session, RequestNonce, [
            {"key": k, "dedupe_key": d, "created_at": now} for k, d in nonce_of.items()], key="key")
        seen = nonce_of.keys() - fresh_nonces
        if seen:  # used before this batch: fine only for the same message (a retry with the same query)
            nonce_of.update(session.execute(select(RequestNonce.key, RequestNonce.dedupe_key)
                                            .where(RequestNonce.key.in_(sorted(seen)))).all())
        replayed = {id(j) for j in jobs if j.replay_key and nonce_of[j.replay_key] != j.inbound.dedupe_key}
        fresh_keys = insert_ignore_many(session, ProcessedMessage, [
            {"channel": j.inbound.channel, "dedupe_key": j.inbound.dedupe_key, "user_id": j.inbound.user_id,
             "status": "processing", "created_at": now} for j in jobs if id(j) not in replayed], key="dedupe_key")
        return _Claims(replayed=replayed, fresh=fresh_keys)

    def _resolve(self, job: Job, outcome: Reply | BaseException) -> None:
        with job.lock:
            deferred = job.deferred
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        if deferred and isinstance(outcome, Reply) and not outcome.empty and not outcome.meta.get("redact"):
            self._defer(job, outcome)

    def _defer(self, job: Job, reply: Reply) -> None:
        """The request gave up waiting: the reply becomes a customer-service message in the outbox."""
        ib = job.inbound
        with Session(self.engine) as session:
            enqueue(session=session, key=f"late-reply:{ib.dedupe_key}", kind="customer_service", channel=ib.channel,
                    recipient=ib.user_id, payload={"msgtype": "text", "text": reply.text or "",
                                                    "account": ib.account})
            session.execute(update(ProcessedMessage).where(ProcessedMessage.dedupe_key == ib.dedupe_key)
                            .values(status="deferred"))
            session.commit()

    def _handle(self, session: Session, job: Job, mine: "_Batch", batch: "_Batch", claims: "_Claims",
                conversations: dict | None = None) -> Reply:
        ib = job.inbound
        key = ib.dedupe_key
        if id(job) in claims.replayed:
            raise Replayed(job.replay_key)
        if key not in claims.fresh or key in batch.replies or key in mine.replies:  # a retry: same effect, same reply
            return batch.replies.get(key) or self._earlier_reply(session, key)
        reply = self.dialogue.respond(session=session, inbound=ib, log_rows=mine.log_rows, conversations=conversations)
        if reply.meta.get("redact"):  # an anonymous opinion: keep no link from the sender to what was said
            mine.done.append({"k": key, "status": "done", "reply": None, "user_id": ""})
        else:
            mine.done.append({"k": key, "status": "done", "reply": reply.to_dict(), "user_id": ib.user_id})
        mine.replies[key] = reply
        return reply

    @staticmethod
    def _earlier_reply(session: Session, key: str) -> Reply:
        """A retry: same effect as the first delivery, so the same reply (or nothing, if it went by outbox)."""
        row = session.execute(select(ProcessedMessage).where(ProcessedMessage.dedupe_key == key)).scalar_one()
        if row.status == "done" and row.reply:
            return Reply.from_dict(row.reply)
        return Reply()

    def _maybe_purge(self, session: Session) -> None:
        now = time.monotonic()
        if now - self._last_purge < 60:
            return
        self._last_purge = now
        session.execute(delete(RequestNonce).where(RequestNonce.created_at < utcnow() - timedelta(seconds=self.nonce_ttl)))


def _wake(waiters: list[asyncio.Future]) -> None:
    """From the worker thread: one call_soon_threadsafe per event loop wakes every waiter of the batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
    for waiter in waiters:
        by_loop.setdefault(waiter.get_loop(), []).append(waiter)
    for loop, group in by_loop.items():
        try:
            loop.call_soon_threadsafe(_set_done, group)
        except RuntimeError:  # the loop has closed (shutdown): nobody is waiting any more
            pass


def _set_done(waiters: list[asyncio.Future]) -> None:
    for waiter in waiters:
        if not waiter.done():  # a request that gave up has cancelled its waiter
            waiter.set_result(None)


_LOG = ChatMessage.__table__.insert()
_DONE = (ProcessedMessage.__table__.update()
         .where(ProcessedMessage.__table__.c.dedupe_key == bindparam("k"))
         .values(status=bindparam("status"), reply=bindparam("reply"), user_id=bindparam("user_id")))


@dataclass
class _Claims:
    """What the fast path claimed up front: the jobs whose nonce was replayed, and the dedupe keys now ours."""

    replayed: set[int]
    fresh: set[str]


@dataclass
class _Batch:
    """What a batch writes once at its end: chat-log rows and finished dedupe rows (one statement each), and
    counters (FAQ hits) kept in memory by `bot.db.count_later`, each written by its writer in one go."""

    log_rows: list[dict] = field(default_factory=list)
    done: list[dict] = field(default_factory=list)
    replies: dict[str, Reply] = field(default_factory=dict)
    counts: dict[Callable, Counter] = field(default_factory=dict)

    def absorb(self, other: "_Batch") -> None:
        self.log_rows += other.log_rows
        self.done += other.done
        self.replies.update(other.replies)
        for writer, counter in other.counts.items():
            self.counts.setdefault(writer, Counter()).update(counter)

    def write(self, session: Session) -> None:
        # Core executemany, not the ORM's bulk insert, which prepares every row in Python first (2-3x the cost)
        if self.log_rows:
            session.connection().execute(_LOG, self.log_rows)
        if self.done:
            session.connection().execute(_DONE, self.done)
        for writer, counter in self.counts.items():
            writer(session, counter)
