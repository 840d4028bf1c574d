"""On PostgreSQL two senders run at once (FOR UPDATE SKIP LOCKED) and still send each message exactly once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.models import Outbox
from bot.scheduling import jobs
from bot.scheduling.outbox import client_msg_id
from tests.conftest import PG_URL
from tests.scheduling.test_fault import resolved_tickets, sender_process
from tests.tickets.conftest import T0

pytestmark = pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="SKIP LOCKED needs PostgreSQL")
N = 3000


def test_two_senders_at_once_send_each_message_exactly_once(org, db_url, standin):
    s = org.session
    resolved_tickets(s, N, org.grid("G01").id)
    jobs.survey_fanout(session=s, now=T0)
    s.commit()
    expected = {client_msg_id(r) for r in s.execute(select(Outbox)).scalars() if r.kind == "customer_service"}
    s.commit()
    standin.faults.error_5xx_rate = 0.02
    a = sender_process(db_url, standin, "--until-idle", "--batch", "50")
    b = sender_process(db_url, standin, "--until-idle", "--batch", "50")
    outs = [p.communicate(timeout=120) for p in (a, b)]
    assert a.returncode == 0 and b.returncode == 0, [err for _, err in outs]
    stats = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    assert all(st.get("sent", 0) > 0 for st in stats), stats  # both really worked
    counts = standin.state.by_client_id
    assert set(counts) == expected and set(counts.values()) == {1}
    assert dict(s.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all()) == {"sent": N}
    s.commit()
