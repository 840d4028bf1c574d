"""One scheduler across all processes: APScheduler 3 with its job store in the project database, behind a lease.

A process runs the jobs (and its sender) only while it holds the lease row "scheduler"; it renews the lease
every `renew_every` seconds. A second `linli scheduler` waits until the lease expires, then takes over.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.config import Settings, get_settings
from bot.db import engine_for, session_scope
from bot.models import utcnow
from bot.scheduling import jobs, lease

log = logging.getLogger(__name__)

LEASE = "scheduler"
# id -> (trigger, trigger args, misfire grace seconds). Every job only finds due work and enqueues it.
JOBS: dict[str, tuple[str, dict[str, Any], int]] = {
    "deadline_reminders": ("interval", {"minutes": 5}, 300),
    "escalations": ("interval", {"minutes": 5}, 300),
    "survey_fanout": ("interval", {"minutes": 5}, 300),
    "survey_followups": ("interval", {"minutes": 30}, 1800),
    "morning_digest": ("cron", {"hour": 8, "minute": 0}, 2 * 3600),
    "visit_reminders": ("cron", {"hour": 9, "minute": 0}, 6 * 3600),
}
_active: dict[str, Any] = {}  # settings and holder of the runner in this process, for run_job


def run_job(name: str) -> None:
    """The APScheduler entry point (module-level, picklable args): run one job in its own transaction."""
    settings: Settings = _active.get("settings") or get_settings()
    engine = engine_for(settings.database_url)
    with session_scope(engine) as session:
        holder = _active.get("holder")
        held = lease.current(session=session, name=LEASE)
        if holder is None or held is None or held.holder != holder:
            log.warning("job %s skipped: this process does not hold the scheduler lease", name)
            return
        kwargs: dict[str, Any] = {"session": session, "now": utcnow()}
        if name in ("morning_digest", "visit_reminders"):
            kwargs["tz"] = settings.timezone
        result = getattr(jobs, name)(**kwargs)
    log.info("job %s: %s", name, result)


def add_jobs(scheduler: Any) -> None:
    for job_id, (trigger, args, grace) in JOBS.items():
        scheduler.add_job(run_job, trigger, args=[job_id], id=job_id, name=job_id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=grace, **args)


class Runner:
    """Holds the lease, and while it does, runs APScheduler and an outbox sender in this process."""

    def __init__(self, settings: Settings, *, with_sender: bool = True, lease_ttl: float = 30.0,
                 renew_every: float = 10.0) -> None:
        self.settings = settings
        self.engine = engine_for(settings.database_url)
        self.holder = lease.holder_id("scheduler:")
        self.with_sender = with_sender
        self.lease_ttl = lease_ttl
        self.renew_every = renew_every
        self.scheduler: Any = None
        self.sender: Any = None
        self._stop = threading.Event()
        self._sender_stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._loop, name="linli-scheduler-lease", daemon=True)
        self.became_leader = threading.Event()

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None

    def start(self) -> "Runner":
        self._thread.start()
        return self

    def shutdown(self, wait: bool = False) -> None:
        self._stop.set()
        if wait:
            self._thread.join(timeout=30)

    def join(self) -> None:
        while self._thread.is_alive():
            self._thread.join(timeout=1)

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                held = self._try_lease()
                if held and not self.is_leader:
                    self._activate()
                elif not held and self.is_leader:
                    log.error("scheduler lease lost to another process: stopping jobs here")
                    self._deactivate()
                self._stop.wait(self.renew_every)
        finally:
            self._deactivate()
            try:
                with session_scope(self.engine) as session:
                    lease.release(session=session, name=LEASE, holder=self.holder)
            except Exception:  # the database may be gone at interpreter exit
                log.exception("could not release the scheduler lease")

    def _try_lease(self) -> bool:
        try:
            with session_scope(self.engine) as session:
                return (lease.acquire(session=session, name=LEASE, holder=self.holder, ttl=self.lease_ttl)
                        or lease.take_over_if_dead(session=session, name=LEASE, holder=self.holder, ttl=self.lease_ttl))
        except Exception:
            log.exception("scheduler lease check failed")
            return False

    def _activate(self) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        _active.update(settings=self.settings, holder=self.holder)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename="apscheduler_jobs")},
            timezone=self.settings.timezone,
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        add_jobs(scheduler)
        scheduler.start()
        self.scheduler = scheduler
        if self.with_sender:
            from bot.scheduling.sender import Sender

            self.sender = Sender(engine=self.engine, settings=self.settings, holder=self.holder)
            self._sender_stop.clear()
            t = threading.Thread(target=self.sender.run_forever, args=(self._sender_stop,), name="linli-sender",
                                 daemon=True)
            t.start()
            self._threads = [t]
        log.info("scheduler started in %s", self.holder)
        self.became_leader.set()

    def _deactivate(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self._sender_stop.set()
        for t in self._threads:
            t.join(timeout=15)
        self._threads = []
        if self.sender is not None:
            self.sender.close()
            self.sender = None
        if _active.get("holder") == self.holder:
            _active.clear()
