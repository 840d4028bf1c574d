"""The sender against the stand-in: exactly once, token refresh, 45015 fallback, 45009 pause, retries, dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.models import Outbox, utcnow
from bot.outbox import enqueue
from bot.scheduling import lease
from bot.scheduling.api import ApiClient
from bot.scheduling.models import ApiToken
from bot.scheduling.outbox import client_msg_id, dead_letters, retry
from bot.scheduling.sender import PAUSE_WECHAT, Sender
from tests.scheduling.conftest import drain, settings_for


def cs(session, key, openid="oResident1", text="您好", **kw):
    row = enqueue(session=session, key=key, kind="customer_service", recipient=openid,
                  payload={"msgtype": "text", "text": text}, **kw)
    session.commit()
    return row


def rows(session):
    """Every outbox row, detached, with the read transaction ended (SQLite: BEGIN IMMEDIATE holds the lock)."""
    session.expire_all()
    got = {r.idempotency_key: r for r in session.execute(select(Outbox)).scalars()}
    session.expunge_all()
    session.commit()
    return got


def test_a_message_is_sent_once_with_its_client_id(session, sender, standin):
    row = cs(session, "k1", text="您反映的问题已办结")
    drain(sender)
    got = rows(session)["k1"]
    assert got.status == "sent" and got.attempts == 1 and got.provider_msg_id
    [rec] = standin.state.records
    assert rec["to"] == "oResident1" and rec["body"]["text"]["content"] == "您反映的问题已办结"
    assert rec["client_msg_id"] == client_msg_id(row)
    assert sender.run_once() == 0


def test_the_token_is_cached_in_the_database_and_refreshed_once_on_expiry(session, sender, standin, engine):
    cs(session, "k1")
    drain(sender)
    assert standin.state.tokens_issued == 1
    assert session.get(ApiToken, "wechat").value
    session.commit()
    standin.state.tokens = {t: 0.0 for t in standin.state.tokens}  # every token expires: 42001
    cs(session, "k2")
    drain(sender)
    assert rows(session)["k2"].status == "sent"
    assert standin.state.tokens_issued == 2 and standin.state.errors["42001"] == 1


def test_a_token_error_after_the_refresh_is_not_retried_again(session, sched_settings, engine, standin):
    client = ApiClient(engine=engine, settings=sched_settings)
    standin.state.faults.token_ttl = -1  # every token the stand-in issues is already expired
    result = client.send_wechat("customer_service", {"touser": "o1", "msgtype": "text", "text": {"content": "x"}},
                                client_msg_id="c1")
    assert result.errcode == 42001 and result.token_refreshed
    assert standin.state.errors["42001"] == 2 and standin.state.tokens_issued == 2  # one refresh, one retry


def test_a_second_process_uses_the_token_in_the_database(session, sched_settings, engine, standin):
    a = ApiClient(engine=engine, settings=sched_settings)
    b = ApiClient(engine=engine, settings=sched_settings)
    assert a.access_token() == b.access_token()
    assert standin.state.tokens_issued == 1


def test_the_token_is_refreshed_five_minutes_before_it_expires(session, sched_settings, engine, standin):
    standin.state.faults.token_ttl = 200  # less than 5 minutes: never good enough to reuse
    a = ApiClient(engine=engine, settings=sched_settings)
    first = a.access_token()
    assert a.access_token() != first and standin.state.tokens_issued == 2


def test_outside_the_48_hour_window_becomes_a_phone_task(session, sender, standin):
    standin.state.faults.openids_45015 = {"oAway"}
    cs(session, "survey:1", openid="oAway", text="问题解决了吗？")
    drain(sender)
    got = rows(session)
    assert got["survey:1"].status == "rerouted"
    task = got["survey:1:phone_task"]
    assert task.kind == "phone_task" and task.status == "pending" and "48小时" in task.payload["reason"]
    assert standin.state.records == []


def test_outside_the_window_uses_the_template_when_one_is_configured(session, engine, db_url, standin):
    s = Sender(engine=engine, settings=settings_for(db_url, standin, wechat_notice_template_id="TPL1"), threads=2)
    standin.state.faults.openids_45015 = {"oAway"}
    cs(session, "late", openid="oAway", text="您的事项有进展")
    drain(s)
    got = rows(session)
    assert got["late:template"].status == "sent"
    [rec] = standin.state.records
    assert rec["kind"] == "template" and rec["body"]["template_id"] == "TPL1"
    assert rec["body"]["client_msg_id"] == client_msg_id(got["late:template"])


def test_quota_45009_pauses_wechat_until_midnight_and_alerts_the_street(session, sender, standin):
    standin.state.faults.quota = 2
    for i in range(5):
        cs(session, f"q{i}", openid=f"o{i}")
    drain(sender)
    got = rows(session)
    sent = [k for k, r in got.items() if r.kind == "customer_service" and r.status == "sent"]
    waiting = [r for r in got.values() if r.kind == "customer_service" and r.status == "pending"]
    assert len(sent) == 2 and len(waiting) == 3
    assert all(r.next_attempt_at > utcnow() + timedelta(minutes=1) for r in waiting)
    assert all(r.attempts == 0 for r in waiting)  # a pause is not an attempt
    assert lease.current(session=session, name=PAUSE_WECHAT) is not None
    session.commit()
    alert = [r for k, r in got.items() if k.startswith("quota-alert:")]
    assert len(alert) == 1 and alert[0].status == "sent"
    assert [r["to"] for r in standin.state.records if r["kind"] == "robot"] == ["street-key"]


def test_5xx_is_retried_with_backoff_then_dead_after_max_attempts(session, engine, db_url, standin):
    s = Sender(engine=engine, settings=settings_for(db_url, standin, outbox_max_attempts=3), threads=2, seed=3)
    standin.state.faults.error_5xx_rate = 1.0
    cs(session, "k")
    now = utcnow()
    s.run_once(now)
    row = rows(session)["k"]
    assert row.status == "failed" and row.attempts == 1 and "503" in row.last_error and not row.in_doubt
    assert row.next_attempt_at > now
    drain(s)
    row = rows(session)["k"]
    assert row.status == "dead" and row.attempts == 3 and "gave up" in row.dead_reason
    assert [r.idempotency_key for r in dead_letters(session=session)] == ["k"]
    standin.state.faults.error_5xx_rate = 0.0
    retry(session=session, outbox_id=row.id)
    session.commit()
    drain(s)
    assert rows(session)["k"].status == "sent" and len(standin.state.records) == 1


def test_backoff_grows_exponentially_with_jitter(session, sender):
    row = cs(session, "k")
    now = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
    delays = []
    for attempts in (1, 2, 3, 4):
        row.attempts = attempts
        out = sender._failed(row, now, "x")
        delays.append((out.values["next_attempt_at"] - now).total_seconds())
    base = sender.settings.outbox_retry_base_seconds
    for i, d in enumerate(delays):
        assert base * 2 ** i * 0.5 <= d <= base * 2 ** i * 1.5


def test_a_permanent_error_goes_straight_to_dead_letters(session, sender, standin):
    enqueue(session=session, key="t", kind="template", recipient="o1", payload={"data": {}})
    session.commit()
    drain(sender)
    assert rows(session)["t"].status == "dead"


def test_quiet_hours_defer_pushes_to_seven_but_not_urgent_ones_or_late_replies(session, engine, db_url, standin):
    s = Sender(engine=engine, settings=settings_for(db_url, standin, quiet_hours="22:00-07:00"), threads=2)
    night = datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc)  # 23:30 in Shanghai
    for key, urgent in (("push", False), ("alert", True), ("late-reply:wechat:x:m:1", False)):
        enqueue(session=session, key=key, kind="customer_service", recipient="o1", urgent=urgent,
                payload={"msgtype": "text", "text": key}, not_before=night - timedelta(minutes=1))
    session.commit()
    drain(s, now=night)
    got = rows(session)
    assert got["alert"].status == "sent" and got["late-reply:wechat:x:m:1"].status == "sent"
    assert got["push"].status == "pending"
    assert got["push"].next_attempt_at == datetime(2026, 11, 23, 23, 0, tzinfo=timezone.utc)  # 07:00 Shanghai
    drain(s, now=datetime(2026, 11, 23, 23, 0, 1, tzinfo=timezone.utc))
    assert rows(session)["push"].status == "sent"


def test_many_threads_in_two_processes_refresh_an_expired_token_once(session, sched_settings, engine, standin):
    import threading

    a = ApiClient(engine=engine, settings=sched_settings)
    b = ApiClient(engine=engine, settings=sched_settings)  # another process: its own memory, the same table
    stale = a.access_token()
    b.access_token()
    standin.state.tokens = {t: 0.0 for t in standin.state.tokens}
    got = []
    threads = [threading.Thread(target=lambda c=c: got.append(c.refresh(stale=stale))) for c in (a, b) * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and stale not in got
    assert standin.state.tokens_issued == 2  # the first token, then one refresh for everybody

