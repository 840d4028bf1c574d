"""The scheduled jobs as plain functions of (session, now): they find due work and enqueue it, nothing more.

Each one is idempotent: outbox keys (and the survey table's unique ticket+round) make a second run a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_, select, update
from sqlmodel import Session

from bot.dialogue.engine import load_conversation
from bot.models import Conversation, Outbox
from bot.org.models import Grid
from bot.outbox import enqueue
from bot.scheduling.clock import local_day
from bot.scheduling.models import Survey
from bot.tickets import service as tickets
from bot.tickets.deadlines import OPEN_STATUSES
from bot.tickets.models import Ticket

SURVEY_REMIND_AFTER = timedelta(hours=24)
SURVEY_EXPIRE_AFTER = timedelta(hours=72)
SURVEY_QUESTION = "您反映的问题（编号{number}）已办结。问题解决了吗？回复 1 已解决 / 2 未解决"
SURVEY_REMINDER = "打扰了：您反映的问题（编号{number}）已办结，想请您确认一下，问题解决了吗？回复 1 已解决 / 2 未解决"
SURVEY_CHANNELS = ("wechat",)  # residents we can reach by customer-service message


def _grid_recipient(ticket: Ticket) -> str:
    return f"grid:{ticket.grid_id}" if ticket.grid_id else "street"


def deadline_reminders(*, session: Session, now: datetime) -> int:
    """At 75% of the deadline, tell the handler in the grid group, once per deadline."""
    due = tickets.due_for_reminder(session=session, now=now)
    for t in due:
        name = tickets._handler_name(session, t)  # noqa: SLF001 — the service's own display rule
        enqueue(session=session, key=f"remind:{t.number}:{t.reopen_count}:{t.deadline_at:%Y%m%d%H%M}", kind="robot",
                channel="wecom", recipient=_grid_recipient(t), not_before=now, payload={
                    "msgtype": "text",
                    "text": f"【即将超期】工单 {t.number}（{t.category or t.kind}）办理时限 {tickets.local_time(t.deadline_at)}，"
                            f"处理人：{name}，请抓紧办理。"})
        tickets.mark_reminded(session=session, ticket=t, now=now)
    session.flush()
    return len(due)


def escalations(*, session: Session, now: datetime) -> int:
    """督办: the ticket service raises the level (网格长 → 社区 → 街道) and posts the alert to the group."""
    return len(tickets.escalate_overdue(session=session, now=now))


def morning_digest(*, session: Session, now: datetime, tz: str = "Asia/Shanghai") -> int:
    """08:00: each grid's group gets its new (last 24 h) and overdue tickets; grids with neither get nothing."""
    day = local_day(now, tz)
    posted = 0
    for grid in session.execute(select(Grid).order_by(Grid.code)).scalars():
        new = list(session.execute(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.parent_id.is_(None),
                                                        Ticket.created_at > now - timedelta(hours=24),
                                                        Ticket.created_at <= now).order_by(Ticket.id)).scalars())
        overdue = list(session.execute(select(Ticket).where(
            Ticket.grid_id == grid.id, Ticket.status.in_(OPEN_STATUSES), Ticket.parent_id.is_(None),
            Ticket.deadline_at.is_not(None), Ticket.deadline_at <= now).order_by(Ticket.deadline_at)).scalars())
        if not new and not overdue:
            continue
        lines = [f"**{grid.name} 早报 {day}**", f"新增工单 {len(new)} 件，已超期 {len(overdue)} 件"]
        lines += [f"> 新增 {t.number} {t.category or t.kind}：{t.text[:30]}" + ("（居民已撤回）" if t.withdrawn_at else "")
                  for t in new[:15]]
        lines += [f"> <font color=\"warning\">超期</font> {t.number} {t.category or t.kind}，时限 "
                  f"{tickets.local_time(t.deadline_at)}" for t in overdue[:15]]
        enqueue(session=session, key=f"digest:{grid.code}:{day}", kind="robot", channel="wecom",
                recipient=f"grid:{grid.id}", not_before=now, payload={"msgtype": "markdown", "markdown": "\n".join(lines)})
        posted += 1
    return posted


def visit_reminders(*, session: Session, now: datetime, default_days: int = 7, tz: str = "Asia/Shanghai") -> int:
    """Residents needing care with no visit in their interval: one line in the grid group per resident per day."""
    from bot.org.service import residents_needing_visit

    day = local_day(now, tz)
    count = 0
    for r in residents_needing_visit(session=session, now=now, default_days=default_days):
        if r.grid_id is None:
            continue
        last = r.last_visit_at
        since = f"已 {(now - last).days} 天未走访" if last else "尚无走访记录"
        who = r.name or "居民"
        enqueue(session=session, key=f"visit:{r.id}:{day}", kind="robot", channel="wecom", recipient=f"grid:{r.grid_id}",
                not_before=now, payload={"msgtype": "text", "mask": [who],
                         "text": f"【走访提醒】{who}（{'、'.join(r.care_flags)}，{r.unit or '住址见台账'}）{since}，请安排上门走访。"})
        count += 1
    return count


def _ask(session: Session, survey: Survey, text: str, key: str, now: datetime) -> None:
    """Send the question and open the resident's conversation in the survey flow (unless another flow is open)."""
    enqueue(session=session, key=key, kind="customer_service", channel=survey.channel, recipient=survey.openid,
            not_before=now, payload={"msgtype": "text", "text": text, "ticket": survey.number})
    conv = load_conversation(session=session, channel=survey.channel, user_id=survey.openid)
    _open_flow(conv, survey)
    session.add(conv)


def _open_flow(conv: Conversation, survey: Survey) -> None:
    if conv.handoff is not None or conv.state not in (None, "survey"):
        return  # the resident is in the middle of something else; the reminder will ask again
    conv.state = "survey"
    conv.data = {**(conv.data or {}), "flow": {"survey_id": survey.id, "number": survey.number, "step": "resolved"}}


def survey_fanout(*, session: Session, now: datetime, limit: int = 20000) -> int:
    """After 办结: one survey per resolved ticket (and per reopen round), asked by customer-service message.

    Written with Core inserts: a street can resolve thousands of tickets in a day, and ORM objects cost ~1 ms each.
    """
    has_survey = exists().where(Survey.ticket_id == Ticket.id, Survey.round == Ticket.reopen_count)
    stmt = (select(Ticket.id, Ticket.number, Ticket.reopen_count, Ticket.channel, Ticket.resident)
            .where(Ticket.status == "resolved", Ticket.resident.is_not(None), ~has_survey,
                   or_(Ticket.channel.is_(None), Ticket.channel.in_(SURVEY_CHANNELS)))
            .order_by(Ticket.id).limit(limit))
    found = session.execute(stmt).all()
    for chunk in _chunks(found, 1000):
        surveys = [dict(ticket_id=t.id, round=t.reopen_count, number=t.number, channel=t.channel or "wechat",
                        openid=t.resident, status="asked", asked_at=now, answers={}) for t in chunk]
        session.execute(insert(Survey.__table__), surveys)
        ids = {(tid, rnd): sid for tid, rnd, sid in session.execute(
            select(Survey.ticket_id, Survey.round, Survey.id).where(Survey.ticket_id.in_([t.id for t in chunk])))}
        session.execute(insert(Outbox.__table__), [dict(
            idempotency_key=f"survey:{s['number']}:{s['round']}", kind="customer_service", channel=s["channel"],
            recipient=s["openid"], status="pending", attempts=0, next_attempt_at=now, urgent=False, in_doubt=False,
            created_at=now, payload={"msgtype": "text", "text": SURVEY_QUESTION.format(number=s["number"]),
                                     "ticket": s["number"]}) for s in surveys])
        flows = {s["openid"]: {"survey_id": ids[(s["ticket_id"], s["round"])], "number": s["number"], "step": "resolved"}
                 for s in surveys}
        _open_flows(session, flows, now)
    session.flush()
    return len(found)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _open_flows(session: Session, flows: dict[str, dict[str, Any]], now: datetime) -> None:
    """Put each resident's conversation in the survey flow (creating it), unless another flow or a person has it."""
    table = Conversation.__table__
    existing = {row.user_id: row for row in session.execute(
        select(table.c.id, table.c.user_id, table.c.state, table.c.handoff, table.c.data)
        .where(table.c.channel.in_(SURVEY_CHANNELS), table.c.user_id.in_(list(flows))))}
    updates = [{"cid": row.id, "new_data": {**(row.data or {}), "flow": flows[uid]}} for uid, row in existing.items()
               if row.handoff is None and row.state in (None, "survey")]
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("cid"))
                        .values(state="survey", data=bindparam("new_data"), updated_at=now), updates)
    new = [dict(channel="wechat", user_id=uid, state="survey", data={"flow": flow}, updated_at=now)
           for uid, flow in flows.items() if uid not in existing]
    if new:
        session.execute(insert(table), new)


def survey_followups(*, session: Session, now: datetime) -> dict[str, int]:
    """One reminder after 24 h without an answer; after 72 h the survey expires into a phone task for staff."""
    done = {"reminded": 0, "expired": 0, "closed_elsewhere": 0}
    open_surveys = (select(Survey, Ticket.status, Ticket.reopen_count).join(Ticket, Ticket.id == Survey.ticket_id)
                    .where(Survey.status.in_(("asked", "reminded")),
                           or_(Survey.asked_at <= now - SURVEY_REMIND_AFTER, Ticket.status != "resolved",
                               Ticket.reopen_count != Survey.round))
                    .order_by(Survey.id))
    for s, ticket_status, reopen_count in session.execute(open_surveys).all():
        if ticket_status != "resolved" or reopen_count != s.round:
            s.status, s.expired_at = "expired", now  # staff closed or reopened it meanwhile: nothing to ask
            done["closed_elsewhere"] += 1
        elif now - s.asked_at >= SURVEY_EXPIRE_AFTER:
            s.status, s.expired_at = "expired", now
            enqueue(session=session, key=f"survey-phone:{s.number}:{s.round}", kind="phone_task", channel=s.channel,
                    recipient=s.openid, not_before=now, payload={"text": f"工单 {s.number} 已办结，居民 72 小时未回复回访，请电话回访。",
                                                 "reason": "回访超时", "ticket": s.number})
            _close_flow(session, s)
            done["expired"] += 1
        elif s.status == "asked" and now - s.asked_at >= SURVEY_REMIND_AFTER:
            s.status, s.reminded_at = "reminded", now
            _ask(session, s, SURVEY_REMINDER.format(number=s.number), key=f"survey-remind:{s.number}:{s.round}", now=now)
            done["reminded"] += 1
        session.add(s)
    session.flush()
    return done


def _close_flow(session: Session, survey: Survey) -> None:
    conv = session.execute(select(Conversation).where(Conversation.channel == survey.channel,
                                                      Conversation.user_id == survey.openid)).scalar_one_or_none()
    if conv and conv.state == "survey" and (conv.data or {}).get("flow", {}).get("survey_id") == survey.id:
        conv.state = None
        conv.data = {k: v for k, v in conv.data.items() if k != "flow"}
        session.add(conv)


def run_all(*, session: Session, now: datetime) -> dict[str, Any]:
    """Every periodic job once (the demo's `linli scheduler tick`); the morning digest only via its cron."""
    return {
        "deadline_reminders": deadline_reminders(session=session, now=now),
        "escalations": escalations(session=session, now=now),
        "survey_fanout": survey_fanout(session=session, now=now),
        "survey_followups": survey_followups(session=session, now=now),
    }
