"""Fault test: 10,000 surveys, 5xx and token expiry injected, the sender SIGKILLed mid-way and restarted.

Counted by client msg id at the stand-in: every survey arrives exactly once (0 duplicates, 0 lost).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.models import Outbox
from bot.scheduling import jobs
from bot.scheduling.outbox import client_msg_id
from bot.tickets.models import Ticket
from tests.tickets.conftest import T0

N = 10_000
ROOT = Path(__file__).resolve().parents[2]


def resolved_tickets(session, n, grid_id):
    """n resolved tickets of n different residents (Core insert: the setup should not dominate the test)."""
    session.execute(insert(Ticket.__table__), [dict(
        number=f"F{i:06d}", kind="complaint", text="测试工单", channel="wechat", resident=f"oFault{i:05d}",
        grid_id=grid_id, attachments=[], status="resolved", resolved_at=T0, created_at=T0 - timedelta(days=1),
        updated_at=T0) for i in range(n)])
    session.commit()


def sender_process(db_url, standin, *extra):
    env = {**os.environ, "LINLI_ENV": "test", "LINLI_DATABASE_URL": db_url, "LINLI_WECHAT_API_BASE": standin.url,
           "LINLI_WECOM_WEBHOOK_BASE": f"{standin.url}/cgi-bin/webhook/send", "LINLI_WECHAT_DELIVERY_QUERY": "true",
           "LINLI_OUTBOX_LEASE_SECONDS": "4", "LINLI_OUTBOX_RETRY_BASE_SECONDS": "0.05", "LINLI_QUIET_HOURS": "",
           "LINLI_SENDER_THREADS": "8", "LINLI_SENDER_BATCH": "200"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "send", *extra], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_sender_restarts_without_duplicates_or_losses(org, db_url, standin):
    s = org.session
    started = time.monotonic()
    resolved_tickets(s, N, org.grid("G01").id)
    assert jobs.survey_fanout(session=s, now=T0) == N
    s.commit()
    expected = {client_msg_id(r) for r in s.execute(select(Outbox).where(Outbox.idempotency_key.like("survey:%"))).scalars()}
    s.commit()
    assert len(expected) == N
    fanout_seconds = time.monotonic() - started

    standin.faults.error_5xx_rate = 0.03
    standin.faults.expire_tokens_every = 1.5
    first = sender_process(db_url, standin)
    deadline = time.monotonic() + 50
    while len(standin.state.records) < N // 3:
        assert first.poll() is None, first.stderr.read()
        assert time.monotonic() < deadline, "the first sender made too little progress"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    at_kill = len(standin.state.records)

    second = sender_process(db_url, standin, "--until-idle")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err

    counts = standin.state.by_client_id
    duplicates = {k: n for k, n in counts.items() if n > 1}
    lost = expected - set(counts)
    assert duplicates == {} and lost == set()
    assert set(counts) == expected
    statuses = dict(s.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    s.commit()
    assert statuses == {"sent": N}
    errors = dict(standin.state.errors)
    assert errors.get("503", 0) > 0 and errors.get("42001", 0) > 0  # the faults did happen
    print(f"\nfault test: fan-out {fanout_seconds:.1f}s, killed at {at_kill} delivered, restart stats {out.strip()}, "
          f"stand-in errors {errors}, total {time.monotonic() - started:.1f}s")
