"""One scheduler: the lease decides which process runs the jobs; APScheduler keeps its jobs in our database."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import text

from bot.models import utcnow
from bot.scheduling import lease, start_in_process
from bot.scheduling.runner import JOBS, Runner


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_lease_has_one_holder_until_it_expires(session):
    now = utcnow()
    assert lease.acquire(session=session, name="x", holder="a", ttl=30, now=now)
    assert not lease.acquire(session=session, name="x", holder="b", ttl=30, now=now + timedelta(seconds=10))
    assert lease.acquire(session=session, name="x", holder="a", ttl=30, now=now + timedelta(seconds=10))  # renewed
    assert lease.acquire(session=session, name="x", holder="b", ttl=30, now=now + timedelta(seconds=41))
    session.commit()


def test_only_one_of_two_schedulers_runs_and_the_second_takes_over(sched_settings, engine):
    first = Runner(sched_settings, lease_ttl=2, renew_every=0.2).start()
    assert wait_for(lambda: first.is_leader)
    second = Runner(sched_settings, lease_ttl=2, renew_every=0.2).start()
    time.sleep(1.0)
    assert first.is_leader and not second.is_leader
    with engine.begin() as conn:
        ids = {r[0]: r[1] for r in conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))}
    assert set(ids) == set(JOBS)
    first.shutdown(wait=True)
    assert wait_for(lambda: second.is_leader, timeout=10)
    second.shutdown(wait=True)


def test_jobs_have_fixed_ids_and_safe_defaults(sched_settings):
    runner = start_in_process(sched_settings)
    try:
        assert wait_for(lambda: runner.is_leader)
        for job in runner.scheduler.get_jobs():
            assert job.id in JOBS and job.coalesce and job.max_instances == 1 and job.misfire_grace_time
            assert job.func_ref == "bot.scheduling.runner:run_job" and job.args == (job.id,)
        assert str(runner.scheduler.get_job("morning_digest").trigger) == "cron[hour='8', minute='0']"
    finally:
        runner.shutdown(wait=True)


def test_the_gateway_starts_and_stops_the_scheduler(sched_settings):
    from fastapi.testclient import TestClient

    from bot.gateway import create_app

    with TestClient(create_app(sched_settings, start_scheduler=True)):
        pass


def test_a_lease_left_by_a_dead_process_on_this_host_is_taken_at_once(session):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a pid that no longer exists
    dead = f"scheduler:{lease.holder_id().split(':')[0]}:{proc.pid}:abcdef"
    assert lease.acquire(session=session, name="scheduler", holder=dead, ttl=30)
    assert not lease.acquire(session=session, name="scheduler", holder="me", ttl=30)
    assert lease.take_over_if_dead(session=session, name="scheduler", holder="me", ttl=30)
    assert not lease.take_over_if_dead(session=session, name="scheduler", holder="other", ttl=30)  # "me" is not a pid
    session.commit()
