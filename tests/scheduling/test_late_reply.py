"""The gateway's late replies (past the 5-second budget) are delivered by the same sender, once."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.dialogue import default_dialogue
from bot.inbound import Inbound
from bot.models import Outbox
from bot.processing import Processor
from tests.scheduling.conftest import drain


def test_a_reply_that_missed_the_budget_arrives_as_a_customer_service_message(engine, sender, standin, session):
    proc = Processor(engine=engine, dialogue=default_dialogue())
    proc.start()
    try:
        inbound = Inbound(channel="wechat", user_id="oLate", msg_type="text", text="帮助", msg_id="9001", account="gh_x")
        assert asyncio.run(proc.process(inbound, None, budget=0.0)) is None
        deadline = time.monotonic() + 60  # the worker warms up first (seconds on a loaded CI machine)
        while session.execute(select(Outbox)).scalar_one_or_none() is None:
            session.commit()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        session.commit()
    finally:
        proc.stop()
    drain(sender)
    drain(sender)
    [rec] = standin.state.records
    assert rec["kind"] == "customer_service" and rec["to"] == "oLate" and rec["body"]["text"]["content"]
    row = session.execute(select(Outbox)).scalar_one()
    assert row.idempotency_key == "late-reply:wechat:gh_x:m:9001" and row.status == "sent"
    session.commit()
