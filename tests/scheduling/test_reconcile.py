"""A sender that died mid-send: its rows are reconciled by asking the provider, never blindly resent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.models import Outbox, utcnow
from bot.outbox import enqueue
from bot.scheduling.outbox import claim, client_msg_id, reconcile_expired
from bot.scheduling.sender import Sender
from tests.scheduling.conftest import drain, settings_for


def _crashed_mid_send(session, sender, standin, n=4):
    """n rows claimed by a sender that then died; the first half did reach the provider."""
    past = utcnow() - timedelta(minutes=10)
    for i in range(n):
        enqueue(session=session, key=f"k{i}", kind="customer_service", recipient=f"o{i}",
                payload={"msgtype": "text", "text": f"消息{i}"}, not_before=past)
    session.commit()
    rows = claim(session=session, holder="dead-sender", now=past, limit=n, lease_seconds=60)
    session.commit()
    for row in rows[: n // 2]:
        body = {"touser": row.recipient, "msgtype": "text", "text": {"content": row.payload["text"]}}
        assert sender.client.send_wechat("customer_service", body, client_msg_id=client_msg_id(row)).ok
    return rows


def test_expired_rows_are_marked_in_doubt(session, sender, standin):
    _crashed_mid_send(session, sender, standin)
    assert reconcile_expired(session=session, now=utcnow()) == 4
    session.commit()
    session.expire_all()
    assert {(r.status, r.in_doubt) for r in session.execute(select(Outbox)).scalars()} == {("failed", True)}
    session.commit()


def test_a_restarted_sender_sends_only_what_was_not_delivered(session, sender, standin):
    _crashed_mid_send(session, sender, standin)
    drain(sender)
    counts = standin.state.by_client_id
    assert len(counts) == 4 and set(counts.values()) == {1}
    assert sender.stats["reconciled_sent"] == 2 and sender.stats["sent"] == 2


def test_without_a_delivery_query_in_doubt_rows_go_to_staff_not_out_again(session, engine, db_url, standin):
    blind = Sender(engine=engine, settings=settings_for(db_url, standin, wechat_delivery_query=False), threads=2)
    _crashed_mid_send(session, blind, standin)
    drain(blind)
    session.expire_all()
    rows = {r.idempotency_key: r for r in session.execute(select(Outbox)).scalars()}
    session.commit()
    assert {rows[k].status for k in ("k0", "k1", "k2", "k3")} == {"dead"}
    assert all("in doubt" in rows[k].dead_reason for k in rows)
    assert len(standin.state.records) == 2  # nothing sent twice; the two unknowns wait for a person


def test_a_row_whose_lease_is_still_running_is_left_alone(session, sender, standin):
    enqueue(session=session, key="k", kind="customer_service", recipient="o", payload={"msgtype": "text", "text": "x"})
    session.commit()
    claim(session=session, holder="busy-sender", now=utcnow(), limit=1, lease_seconds=60)
    session.commit()
    assert sender.run_once() == 0
    session.execute(update(Outbox).values(claimed_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    drain(sender)
    assert len(standin.state.records) == 1


def test_an_in_doubt_robot_post_that_arrived_is_not_posted_again(session, sender, standin):
    enqueue(session=session, key="r", kind="robot", recipient="street", payload={"msgtype": "text", "text": "通知"},
            not_before=utcnow() - timedelta(minutes=10))
    session.commit()
    [row] = claim(session=session, holder="dead-sender", now=utcnow() - timedelta(minutes=9), limit=1,
                  lease_seconds=60)
    session.commit()
    assert sender.client.send_robot("street-key", {"msgtype": "text", "text": {"content": "通知"}},
                                    client_msg_id=client_msg_id(row)).ok
    drain(sender)
    assert len(standin.state.records) == 1 and sender.stats["reconciled_sent"] == 1
