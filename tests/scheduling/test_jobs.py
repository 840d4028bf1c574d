"""Every job with a frozen clock, against the real database, then delivered through the stand-in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dialogue import default_dialogue
from bot.inbound import Inbound
from bot.models import Conversation, Outbox
from bot.org.models import Resident
from bot.scheduling import jobs
from bot.scheduling.announce import announce, announcement_progress
from bot.scheduling.models import Survey
from bot.tickets import service
from tests.scheduling.conftest import drain
from tests.tickets.conftest import T0

import pytest


def outbox(session, prefix=""):
    rows = [r for r in session.execute(select(Outbox).order_by(Outbox.id)).scalars()
            if r.idempotency_key.startswith(prefix)]
    return rows


def in_progress(org, now=T0, **kw):
    s = org.session
    t = org.ticket(now=now, **kw)
    grid1 = org.staff("grid1")
    service.review(session=s, actor=grid1, ticket=t, now=now)
    service.dispatch(session=s, actor=org.staff("chief1"), ticket=t, handler_id=grid1.id, now=now)
    service.accept(session=s, actor=grid1, ticket=t, now=now)
    return t


def resolved(org, now=T0, **kw):
    t = in_progress(org, now=now, **kw)
    service.resolve(session=org.session, actor=org.staff("grid1"), ticket=t, resolution="已处理", now=now)
    return t


def test_deadline_reminder_at_75_percent_once_to_the_grid_group(org, sender, standin):
    s = org.session
    t = in_progress(org)
    span = t.deadline_at - T0
    assert jobs.deadline_reminders(session=s, now=T0 + span * 0.7) == 0
    assert jobs.deadline_reminders(session=s, now=T0 + span * 0.76) == 1
    assert jobs.deadline_reminders(session=s, now=T0 + span * 0.8) == 0
    [row] = outbox(s, "remind:")
    assert row.recipient == f"grid:{org.grid('G01').id}" and "即将超期" in row.payload["text"] and t.number in row.payload["text"]
    s.commit()
    drain(sender)
    posts = [r for r in standin.state.records if r["kind"] == "robot" and "即将超期" in r["body"]["text"]["content"]]
    assert len(posts) == 1 and posts[0]["to"] == "key-G01"


def test_overdue_tickets_are_escalated_level_by_level(org):
    s = org.session
    t = in_progress(org)
    span = t.deadline_at - T0
    assert jobs.escalations(session=s, now=T0 + span * 0.9) == 0
    assert jobs.escalations(session=s, now=t.deadline_at + timedelta(minutes=1)) == 1
    assert jobs.escalations(session=s, now=t.deadline_at + timedelta(minutes=2)) == 0
    assert t.escalation_level == 1
    jobs.escalations(session=s, now=t.deadline_at + span)
    assert t.escalation_level == 3
    alerts = [r for r in outbox(s) if r.kind == "robot" and "督办" in r.payload["text"]]
    assert len(alerts) >= 2 and alerts[-1].recipient == "street" and alerts[-1].urgent


def test_morning_digest_lists_new_and_overdue_per_grid_once_a_day(org):
    s = org.session
    old = in_progress(org, now=T0 - timedelta(days=30), text="下水道堵了", category="排水")
    new = org.ticket(now=T0 + timedelta(hours=10), text="路灯不亮", category="路灯照明")
    morning = T0 + timedelta(hours=22)  # 08:00 the next day in Shanghai
    assert jobs.morning_digest(session=s, now=morning) == 1
    assert jobs.morning_digest(session=s, now=morning + timedelta(minutes=5)) == 1  # same key: no second row
    [row] = outbox(s, "digest:")
    text = row.payload["markdown"]
    assert row.idempotency_key == "digest:G01:2026-11-24" and new.number in text and old.number in text
    assert "新增工单 1 件，已超期 1 件" in text


def test_the_morning_digest_says_which_new_tickets_the_resident_withdrew(org):
    t = org.ticket(now=T0 + timedelta(hours=10), text="路灯不亮", category="路灯照明")
    service.withdraw(session=org.session, ticket=t, text="已经修好了，不用来了", now=T0 + timedelta(hours=11))
    jobs.morning_digest(session=org.session, now=T0 + timedelta(hours=22))
    [row] = outbox(org.session, "digest:")
    assert f"{t.number} 路灯照明：路灯不亮（居民已撤回）" in row.payload["markdown"]


def test_visit_reminders_once_per_resident_per_day_with_names_masked(org, sender, standin):
    s = org.session
    now = T0 + timedelta(days=1)
    for r in s.execute(select(Resident)).scalars():
        r.last_visit_at = now - timedelta(days=(r.visit_interval_days or 7) + 2)
    flagged = jobs.visit_reminders(session=s, now=now)
    assert flagged == 4 and jobs.visit_reminders(session=s, now=now + timedelta(hours=1)) == 4
    assert len(outbox(s, "visit:")) == 4
    jobs.visit_reminders(session=s, now=now + timedelta(days=1))
    assert len(outbox(s, "visit:")) == 8
    s.commit()
    drain(sender, now=now + timedelta(days=1, minutes=1))
    texts = [r["body"]["text"]["content"] for r in standin.state.records if r["kind"] == "robot"]
    assert any(t.startswith("【走访提醒】王**") for t in texts)
    assert not any("王桂兰" in t for t in texts)


def test_a_visit_resets_the_reminder(org):
    s = org.session
    now = T0 + timedelta(days=1)
    for r in s.execute(select(Resident)).scalars():
        r.last_visit_at = now - timedelta(hours=1)
    assert jobs.visit_reminders(session=s, now=now) == 0


def say(session, openid, text, now):
    reply = default_dialogue().respond(session=session, now=now,
                                       inbound=Inbound(channel="wechat", user_id=openid, msg_type="text", text=text))
    session.flush()
    return reply.text


def test_survey_after_resolution_closes_a_satisfied_ticket(org, sender, standin):
    s = org.session
    t = resolved(org)
    now = T0 + timedelta(hours=1)
    assert jobs.survey_fanout(session=s, now=now) == 1
    assert jobs.survey_fanout(session=s, now=now) == 0
    [row] = outbox(s, "survey:")
    assert row.payload["text"] == f"您反映的问题（编号{t.number}）已办结。问题解决了吗？回复 1 已解决 / 2 未解决"
    conv = s.execute(select(Conversation).where(Conversation.user_id == "oResident001")).scalar_one()
    assert conv.state == "survey" and conv.data["flow"]["number"] == t.number
    s.commit()
    drain(sender)
    assert any(r["body"]["text"]["content"].startswith("您反映的问题（编号") for r in standin.state.records)
    assert "打分" in say(s, "oResident001", "1", now + timedelta(minutes=5))
    assert "已办结归档" in say(s, "oResident001", "满意", now + timedelta(minutes=6))
    survey = s.execute(select(Survey)).scalar_one()
    assert (survey.status, survey.resolved, survey.satisfaction) == ("answered", True, 5)
    assert t.status == "closed" and t.satisfaction == 5 and conv.state is None


def answer_survey(org, resolved_said: str, satisfaction_said: str, now):
    """A resolved ticket, its survey sent, and the resident's two answers: the ticket and the last reply."""
    t = resolved(org)
    jobs.survey_fanout(session=org.session, now=now)
    assert "打分" in say(org.session, "oResident001", resolved_said, now)
    return t, say(org.session, "oResident001", satisfaction_said, now)


def test_an_unresolved_answer_reopens_the_ticket_and_tells_the_handler(org):
    s = org.session
    now = T0 + timedelta(hours=1)
    t, last = answer_survey(org, "2 未解决", "3", now)
    assert "重新交办" in last
    assert t.status == "dispatched" and t.reopen_count == 1
    assert any("重新办理" in r.payload.get("text", "") for r in outbox(s, "ticket-staff:"))
    # resolved again: a new survey round
    service.accept(session=s, actor=org.staff("grid1"), ticket=t, now=now)
    service.resolve(session=s, actor=org.staff("grid1"), ticket=t, resolution="再次处理", now=now)
    assert jobs.survey_fanout(session=s, now=now + timedelta(hours=1)) == 1
    assert [r.idempotency_key for r in outbox(s, "survey:")] == [f"survey:{t.number}:0", f"survey:{t.number}:1"]


def test_no_one_seen_coming_is_not_solved(org):
    """It used to leave the survey and open a new report (「请问是在哪里？」), and 「差」 then was no score."""
    now = T0 + timedelta(hours=1)
    t, last = answer_survey(org, "谁来修的？我没看到人", "差", now)
    assert "重新交办" in last and t.status == "dispatched" and (t.resolved_confirmed, t.satisfaction) == (False, 1)


def test_a_bare_yes_to_whether_it_was_solved_is_solved(org):
    t, last = answer_survey(org, "是的", "10分", T0 + timedelta(hours=1))
    assert "已办结归档" in last and (t.status, t.resolved_confirmed, t.satisfaction) == ("closed", True, 5)


def test_an_unrelated_message_leaves_the_survey_to_the_reminder(org):
    s = org.session
    resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    say(s, "oResident001", "小区门口的垃圾没人清理", T0 + timedelta(minutes=1))
    conv = s.execute(select(Conversation).where(Conversation.user_id == "oResident001")).scalar_one()
    assert conv.state != "survey"
    assert s.execute(select(Survey)).scalar_one().status == "asked"


def test_survey_reminder_after_24h_and_phone_task_after_72h(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    assert jobs.survey_followups(session=s, now=T0 + timedelta(hours=23))["reminded"] == 0
    assert jobs.survey_followups(session=s, now=T0 + timedelta(hours=24))["reminded"] == 1
    assert jobs.survey_followups(session=s, now=T0 + timedelta(hours=30))["reminded"] == 0
    [reminder] = outbox(s, "survey-remind:")
    assert t.number in reminder.payload["text"]
    assert jobs.survey_followups(session=s, now=T0 + timedelta(hours=72))["expired"] == 1
    [task] = outbox(s, "survey-phone:")
    assert task.kind == "phone_task" and task.recipient == "oResident001"
    assert s.execute(select(Survey)).scalar_one().status == "expired"
    conv = s.execute(select(Conversation).where(Conversation.user_id == "oResident001")).scalar_one()
    assert conv.state is None


def test_announcement_to_chosen_grids_with_progress(org, sender, standin):
    s = org.session
    a = announce(session=s, text="明天上午9点至12点停水，请提前储水。", grid_codes=["G01", "G02"], author="幸福街道")
    s.commit()
    p = announcement_progress(session=s, announcement_id=a.id)
    assert (p["total"], p["pending"], p["sent"]) == (2, 2, 0)
    s.commit()
    drain(sender)
    s.expire_all()
    p = announcement_progress(session=s, announcement_id=a.id)
    assert (p["sent"], p["failed"], p["pending"]) == (2, 0, 0) and set(p["grids"]) == {"G01", "G02"}
    assert sorted(r["to"] for r in standin.state.records) == ["key-G01", "key-G02"]
    s.commit()


def test_an_urgent_alert_goes_to_every_grid(org):
    s = org.session
    a = announce(session=s, text="台风橙色预警，请勿外出", urgent=True)
    assert a.total == 6
    assert all(r.urgent and r.payload["text"].startswith("【紧急通知】") for r in outbox(s, "announce:"))


def test_an_unknown_grid_is_refused(org):
    from bot.scheduling.announce import UnknownGrid

    with pytest.raises(UnknownGrid):
        announce(session=org.session, text="x", grid_codes=["G99"])


def test_the_morning_digest_reaches_the_grid_robot_as_markdown(org, sender, standin):
    s = org.session
    org.ticket(now=T0 + timedelta(hours=10), text="楼道堆物，电话13812345678", category="消防")
    jobs.morning_digest(session=s, now=T0 + timedelta(hours=22))
    s.commit()
    drain(sender)
    [post] = standin.state.records
    assert post["to"] == "key-G01" and post["body"]["msgtype"] == "markdown"
    assert "138****5678" in post["body"]["markdown"]["content"]


def test_linli_scheduler_announce_and_progress(org, db_url, monkeypatch):
    from click.testing import CliRunner

    from bot.config import get_settings
    from bot.scheduling.cli import scheduler

    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(scheduler, ["announce", "--grids", "G01,G02", "--urgent", "燃气管道抢修，请勿明火"])
        assert result.exit_code == 0, result.output
        assert "queued for 2 grid groups: G01, G02" in result.output
        progress = CliRunner().invoke(scheduler, ["progress", result.output.split()[1]])
        assert '"pending": 2' in progress.output
        bad = CliRunner().invoke(scheduler, ["announce", "--grids", "G77", "x"])
        assert bad.exit_code != 0 and "G77" in bad.output
    finally:
        get_settings.cache_clear()


def test_a_survey_whose_ticket_staff_already_closed_just_expires(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    service.record_survey(session=s, ticket=t, resolved=True, satisfaction=None, now=T0 + timedelta(hours=1))
    assert jobs.survey_followups(session=s, now=T0 + timedelta(hours=2)) == {"reminded": 0, "expired": 0,
                                                                           "closed_elsewhere": 1}
    assert s.execute(select(Survey)).scalar_one().status == "expired" and outbox(s, "survey-phone:") == []


@pytest.mark.parametrize("resolved_said,expected", [("修好了，谢谢", True), ("嗯，解决了", True), ("还是不亮", False),
                                                    ("又坏了", False), ("还没人来修", False),
                                                    # each of these left the survey (a thanks, an ack, a new report)
                                                    ("是的", True), ("算是解决了吧", True), ("基本解决了", True),
                                                    ("谁来修的？我没看到人", False), ("没", False)])
def test_survey_answers_said_in_words_are_understood(resolved_said, expected):
    from bot.scheduling.survey_flow import parse_resolved

    assert parse_resolved(resolved_said) is expected


@pytest.mark.parametrize("said,score", [("五星", 5), ("4分", 4), ("挺满意的", 5), ("满意，谢谢", 5), ("还行", 4),
                                        ("一般般", 3), ("不太满意", 2), ("很不满意", 1), ("太差了", 1),
                                        ("差", 1), ("很差", 1), ("10分", 5), ("给你们点赞", 5), ("一般吧", 3)])
def test_satisfaction_said_in_words_is_scored(said, score):
    from bot.scheduling.survey_flow import parse_satisfaction

    assert parse_satisfaction(said) == score


@pytest.mark.parametrize("said", ["谢谢", "小区门口的垃圾没人清理", "你好", "好的", "差不多吧"])
def test_what_is_no_answer_to_whether_it_was_solved_stays_none(said):
    from bot.scheduling.survey_flow import parse_resolved, parse_satisfaction

    assert parse_resolved(said) is None
    assert parse_satisfaction(said) is None  # 垃圾 in a new report is no 「太垃圾了」 (it scored 1 and reopened)


def test_a_survey_answer_after_something_else_in_between_still_answers_it(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    say(s, "oResident001", "社区服务站几点上班", T0 + timedelta(minutes=1))  # the survey's state is left
    # a long message is a matter of its own, even with 没解决 in it
    assert "回访" not in say(s, "oResident001", "物业服务太差，上次的事也没解决，楼下又开始漏水了", T0 + timedelta(minutes=1))
    say(s, "oResident001", "取消", T0 + timedelta(minutes=1))
    assert t.reopen_count == 0
    # a bare 「1」 may answer some other menu: the survey is asked again, naming the ticket, not recorded
    assert say(s, "oResident001", "1", T0 + timedelta(minutes=2)).startswith(f"您是在回答编号{t.number}的回访吗？问题解决了吗")
    assert s.execute(select(Survey)).scalar_one().answers == {}
    assert "打分" in say(s, "oResident001", "1", T0 + timedelta(minutes=3))
    say(s, "oResident001", "低保怎么申请", T0 + timedelta(minutes=4))  # left again, at the score
    assert "打分" in say(s, "oResident001", "4", T0 + timedelta(minutes=5))
    # words that can only answer a survey are its answer
    assert "已办结归档" in say(s, "oResident001", "挺满意的", T0 + timedelta(minutes=6))
    survey = s.execute(select(Survey)).scalar_one()
    assert (survey.status, survey.resolved, survey.satisfaction, t.status) == ("answered", True, 5, "closed")
    # with no survey open, 「1」 is what it was before
    assert "没有等您选择的选项" in say(s, "oResident001", "1", T0 + timedelta(minutes=7))


def test_satisfied_said_to_whether_it_was_solved_answers_both(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    assert "已办结归档" in say(s, "oResident001", "非常满意，谢谢", T0 + timedelta(minutes=1))
    survey = s.execute(select(Survey)).scalar_one()
    assert (survey.resolved, survey.satisfaction, survey.answers["resolved_from"]) == (True, 5, "satisfaction")
    assert t.status == "closed"


def test_a_new_report_at_the_score_step_is_no_score(org):
    s = org.session
    t = resolved(org)
    jobs.survey_fanout(session=s, now=T0)
    say(s, "oResident001", "1", T0 + timedelta(minutes=1))
    assert "在哪里" in say(s, "oResident001", "小区门口垃圾没人清", T0 + timedelta(minutes=2))
    assert t.status == "resolved" and t.reopen_count == 0
    assert s.execute(select(Survey)).scalar_one().status == "asked"


@pytest.mark.parametrize("solved,scored,said,status,score", [("修好了，谢谢", "挺满意的", "已办结归档", "closed", 5),
                                                             ("还是不亮", "不太满意", "重新交办", "dispatched", 2)])
def test_a_survey_answered_in_words_closes_or_reopens(org, solved, scored, said, status, score):
    t, last = answer_survey(org, solved, scored, T0 + timedelta(hours=1))
    assert said in last and (t.status, t.satisfaction) == (status, score)
