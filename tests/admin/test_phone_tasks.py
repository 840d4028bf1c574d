"""电话回访: phone tasks listed in scope, recorded through the survey service, audited, CSRF-protected."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from sqlalchemy import select
from sqlmodel import Session

from admin.models import AuditLog
from bot.models import Outbox, utcnow
from bot.org.models import Staff
from bot.outbox import enqueue
from bot.scheduling import jobs
from bot.scheduling.models import Survey
from bot.tickets import service
from bot.tickets.models import Ticket, TicketEvent
from tests.admin.conftest import Staff as Client
from tests.admin.conftest import _logged_in

RESIDENT = {1: ("oDemoResident001", "王桂兰", "13900000001"), 2: ("oDemoResident002", "李德明", "13900000002"),
            4: ("oDemoResident004", "陈建国", "13900000004")}  # the demo seed's invented residents


def _staff(s: Session, username: str) -> Staff:
    return s.execute(select(Staff).where(Staff.username == username)).scalar_one()


def expired_survey(engine, *, grid_id: int = 1, text: str = "1号楼楼道灯坏了，晚上很黑") -> tuple[str, int]:
    """A ticket of `grid_id` resolved by a department four days ago whose survey got no answer in 72 h."""
    start = utcnow() - timedelta(days=4)
    with Session(engine) as s:
        admin, dept = _staff(s, "admin"), _staff(s, "dept1")
        t = service.create_ticket(session=s, kind="complaint", text=text, resident=RESIDENT[grid_id][0],
                                  channel="wechat", category="路灯照明", grid_id=grid_id, now=start)
        service.review(session=s, actor=admin, ticket=t, accept=True, now=start)
        service.dispatch(session=s, actor=admin, ticket=t, handler_id=dept.id, now=start)
        service.accept(session=s, actor=dept, ticket=t, now=start)
        service.resolve(session=s, actor=dept, ticket=t, resolution="已更换灯泡", now=start)
        assert jobs.survey_fanout(session=s, now=start) == 1
        assert jobs.survey_followups(session=s, now=start + timedelta(hours=73))["expired"] == 1
        task = s.execute(select(Outbox).where(Outbox.idempotency_key == f"survey-phone:{t.number}:0")).scalar_one()
        task.created_at = start + timedelta(hours=73)  # written by the job a day ago
        s.commit()
        return t.number, task.id


def rerouted_notice(engine, *, openid: str, text: str = "您反映的事项已派给街道城管科办理。") -> int:
    """What the sender writes when a message hits 45015 (the 48-hour window) and no template is configured."""
    with Session(engine) as s:
        row = enqueue(session=s, key=f"ticket-notify:X:{openid}:phone_task", kind="phone_task", recipient=openid,
                      payload={"text": text, "reason": "45015 回复时间超过限制：超出48小时客服消息窗口，请电话联系",
                               "source_key": f"ticket-notify:X:{openid}", "ticket": None})
        s.commit()
        return row.id


def task_row(engine, task_id: int) -> Outbox:
    with Session(engine) as s:
        return s.get(Outbox, task_id)


def ticket_row(engine, number: str) -> Ticket:
    with Session(engine) as s:
        return s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()


def error_of(response) -> str:
    assert response.status_code == 303, response.text
    location = unquote(response.headers["location"])
    assert "error=" in location, location
    return location


def client(app, username: str) -> Client:
    return Client(_logged_in(app, username))


def test_an_expired_survey_is_listed_with_what_the_caller_needs(admin, engine):
    number, task_id = expired_survey(engine)
    page = admin.get("/admin/phone-tasks")
    assert page.status_code == 200
    html = page.text
    assert "电话回访" in html and "回访超时" in html and f'href="/admin/tickets/{number}"' in html
    assert "王桂兰" in html and "13900000001" in html and "和平一网格" in html
    assert "72 小时未回复回访" in html and "已更换灯泡" not in html
    assert "oDemoResident001" not in html and "oDemoR…" in html  # never the whole openid
    assert "已等待" in html and "23 小时" in html  # the survey expired (and the task was written) 23 h ago
    assert 'hx-get="/admin/phone-tasks/count"' in html
    assert '<span class="badge">1</span>' in admin.get("/admin/phone-tasks/count").text


def test_oldest_task_first(admin, engine):
    first, _ = expired_survey(engine, grid_id=1)
    second = rerouted_notice(engine, openid=RESIDENT[2][0], text="较新的一条通知")
    with Session(engine) as s:  # make the rerouted notice the newer one for sure
        row = s.get(Outbox, second)
        row.created_at = utcnow()
        s.add(row)
        s.commit()
    html = admin.get("/admin/phone-tasks").text
    assert html.index(first) < html.index("较新的一条通知")


def test_grid_worker_sees_only_own_grid_and_is_refused_another(app, engine):
    mine, mine_id = expired_survey(engine, grid_id=1)
    theirs, theirs_id = expired_survey(engine, grid_id=2, text="二网格的路灯也坏了")
    notice_mine = rerouted_notice(engine, openid=RESIDENT[1][0], text="一网格居民的通知")
    notice_theirs = rerouted_notice(engine, openid=RESIDENT[2][0], text="二网格居民的通知")
    grid1 = client(app, "grid1")
    html = grid1.get("/admin/phone-tasks").text
    assert mine in html and "一网格居民的通知" in html
    assert theirs not in html and "二网格居民的通知" not in html and "李德明" not in html
    assert '<span class="badge">2</span>' in grid1.get("/admin/phone-tasks/count").text
    for task_id in (theirs_id, notice_theirs):
        r = grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "no_answer", "note": "试试"})
        assert r.status_code == 403 and "无权访问" in r.text
        assert (task_row(engine, task_id).status, task_row(engine, task_id).attempts) == ("pending", 0)
    assert grid1.post("/admin/phone-tasks/99999", {"outcome": "no_answer"}).status_code == 404
    assert notice_mine  # listed above
    grid2 = client(app, "grid2")
    html = grid2.get("/admin/phone-tasks").text
    assert theirs in html and mine not in html


def test_a_ticket_without_a_grid_falls_back_to_the_residents_grid(app, engine):
    number, _ = expired_survey(engine, grid_id=1)
    with Session(engine) as s:
        t = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        t.grid_id = t.community_id = None  # reported without a place; the resident is bound to G01
        s.add(t)
        s.commit()
    assert number in client(app, "grid1").get("/admin/phone-tasks").text
    assert number not in client(app, "grid2").get("/admin/phone-tasks").text


def test_community_department_and_street_scope(app, engine):
    number, _ = expired_survey(engine, grid_id=4, text="光明社区的井盖松了")  # G04 is in 光明社区 (community2)
    orphan = rerouted_notice(engine, openid="oNobodyKnown9", text="谁也不认识的居民")
    street = client(app, "admin").get("/admin/phone-tasks").text
    assert number in street and "谁也不认识的居民" in street and "居民未绑定" in street
    c2 = client(app, "community2").get("/admin/phone-tasks").text
    assert number in c2 and "谁也不认识的居民" not in c2
    c1 = client(app, "community1").get("/admin/phone-tasks").text
    assert number not in c1 and "谁也不认识的居民" not in c1
    assert number in client(app, "dept1").get("/admin/phone-tasks").text  # dispatched to dept1
    dept2 = client(app, "dept2").get("/admin/phone-tasks").text
    assert number not in dept2 and "谁也不认识的居民" not in dept2
    assert orphan


def test_unsatisfied_phone_answer_reopens_the_ticket_as_in_chat(grid1, engine):
    number, task_id = expired_survey(engine)
    r = grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "居民说灯还是一闪一闪",
                                                     "resolved": "yes", "satisfaction": "1"})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    t = ticket_row(engine, number)
    assert (t.status, t.reopen_count, t.satisfaction, t.resolved_confirmed) == ("dispatched", 1, 1, True)
    with Session(engine) as s:
        events = list(s.execute(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id)).scalars())
        survey = s.execute(select(Survey).where(Survey.ticket_id == t.id)).scalar_one()
        audit = s.execute(select(AuditLog).where(AuditLog.target == f"phone_task:{task_id}")).scalar_one()
        staff_msgs = [o.payload.get("text", "") for o in s.execute(select(Outbox).where(
            Outbox.idempotency_key.like("ticket-staff:%"))).scalars()]
    survey_ev, reopen_ev = events[-2], events[-1]
    assert survey_ev.action == "survey" and survey_ev.reason == "回访：不满意（1 分）"
    assert survey_ev.actor_label.startswith("电话回访") and survey_ev.data["by_phone"] is True
    assert reopen_ev.action == "reopen" and reopen_ev.to_status == "dispatched"
    assert any("重新办理" in m for m in staff_msgs)  # the handler is told, as after a chat survey
    assert (survey.status, survey.resolved, survey.satisfaction) == ("answered", True, 1)
    assert survey.answers["by_phone"] is True and survey.answers["staff"] == "grid1"
    assert task_row(engine, task_id).status == "sent"
    assert audit.action == "phone_task.reached" and audit.username == "grid1"
    assert audit.detail["satisfaction"] == 1 and audit.detail["ticket_status"] == "dispatched"
    page = grid1.get("/admin/phone-tasks").text
    assert number not in page and "现在没有要打的电话" in page


def test_unresolved_phone_answer_reopens_too(grid1, engine):
    number, task_id = expired_survey(engine)
    grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "还没修好", "resolved": "no",
                                                 "satisfaction": "3"})
    t = ticket_row(engine, number)
    assert (t.status, t.reopen_count, t.resolved_confirmed) == ("dispatched", 1, False)


def test_satisfied_phone_answer_closes_the_ticket(grid1, engine):
    number, task_id = expired_survey(engine)
    r = grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "居民很满意",
                                                     "resolved": "yes", "satisfaction": "满意"})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    t = ticket_row(engine, number)
    assert (t.status, t.satisfaction, t.reopen_count) == ("closed", 5, 0)
    with Session(engine) as s:
        actions = [e.action for e in s.execute(select(TicketEvent).where(TicketEvent.ticket_id == t.id)
                                               .order_by(TicketEvent.id)).scalars()]
        survey = s.execute(select(Survey).where(Survey.ticket_id == t.id)).scalar_one()
    assert actions[-2:] == ["survey", "close"] and survey.status == "answered"
    assert "已完成" in unquote(r.headers["location"])


def test_no_answer_keeps_the_task_open_with_the_attempt_recorded(app, grid1, engine):
    number, task_id = expired_survey(engine)
    r = grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "no_answer", "note": "无人接听，下午再打"})
    assert r.status_code == 303 and "第 1 次联系不上" in unquote(r.headers["location"])
    row = task_row(engine, task_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "无人接听，下午再打")
    assert row.payload["calls"][0]["outcome"] == "no_answer" and row.payload["reason"] == "回访超时"
    assert ticket_row(engine, number).status == "resolved"
    chief = client(app, "chief1")  # the next shift, same grid
    html = chief.get("/admin/phone-tasks").text
    assert "1 次联系不上" in html and "无人接听，下午再打" in html
    chief.post(f"/admin/phone-tasks/{task_id}", {"outcome": "no_answer"})
    row = task_row(engine, task_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 2, "无人接听")
    with Session(engine) as s:
        audit = [(a.username, a.action) for a in s.execute(
            select(AuditLog).where(AuditLog.target == f"phone_task:{task_id}").order_by(AuditLog.id)).scalars()]
    assert audit == [("grid1", "phone_task.no_answer"), ("chief1", "phone_task.no_answer")]


def test_bad_input_is_explained_and_changes_nothing(grid1, engine):
    number, task_id = expired_survey(engine)
    url = f"/admin/phone-tasks/{task_id}"
    cases = [
        ({"note": "x"}, "请选择通话结果"),
        ({"outcome": "maybe", "note": "x"}, "请选择通话结果"),
        ({"outcome": "reached", "resolved": "yes", "satisfaction": "5"}, "请填写通话情况"),
        ({"outcome": "reached", "note": "打通了", "satisfaction": "5"}, "请选择问题是否已解决"),
        ({"outcome": "reached", "note": "打通了", "resolved": "yes"}, "请选择满意度"),
        ({"outcome": "reached", "note": "打通了", "resolved": "yes", "satisfaction": "7"}, "满意度只能是"),
        ({"outcome": "reached", "note": "打通了", "resolved": "yes", "satisfaction": "0"}, "满意度只能是"),
        ({"outcome": "reached", "note": "打通了", "resolved": "maybe", "satisfaction": "5"}, "请选择问题是否已解决"),
    ]
    for data, message in cases:
        location = error_of(grid1.post(url, data))
        assert message in location, (data, location)
        assert message in grid1.get(location.split("#")[0]).text  # shown on the page
    row = task_row(engine, task_id)
    assert (row.status, row.attempts) == ("pending", 0) and "calls" not in row.payload
    assert ticket_row(engine, number).status == "resolved"
    with Session(engine) as s:
        assert s.execute(select(Survey)).scalar_one().status == "expired"
        assert s.execute(select(AuditLog).where(AuditLog.action.like("phone_task.%"))).first() is None


def test_a_finished_task_and_a_ticket_no_longer_awaiting_survey(grid1, engine):
    number, task_id = expired_survey(engine)
    with Session(engine) as s:  # meanwhile the street reopened it by hand
        t = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        service.reopen(session=s, actor=_staff(s, "admin"), ticket=t, reason="居民来电说没修好")
        s.commit()
    location = error_of(grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "打通了",
                                                                     "resolved": "yes", "satisfaction": "5"}))
    assert "已不在待回访状态" in location
    assert ticket_row(engine, number).status == "dispatched" and task_row(engine, task_id).status == "pending"
    assert "工单已不在待回访状态，只需记录通话情况" in grid1.get("/admin/phone-tasks").text
    r = grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "已告知居民正在重新处理"})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    assert task_row(engine, task_id).status == "sent" and ticket_row(engine, number).reopen_count == 1
    location = error_of(grid1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "no_answer"}))
    assert "已经处理过了" in location and task_row(engine, task_id).attempts == 0


def test_a_rerouted_message_is_finished_with_a_note_only(app, engine):
    task_id = rerouted_notice(engine, openid=RESIDENT[2][0])
    grid2 = client(app, "grid2")
    html = grid2.get("/admin/phone-tasks").text
    assert "48小时" in html and "您反映的事项已派给街道城管科办理。" in html and "13900000002" in html
    assert "问题解决了吗" not in html
    location = error_of(grid2.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "已电话告知",
                                                                     "resolved": "yes", "satisfaction": "5"}))
    assert "不是回访" in location
    assert grid2.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "已电话告知"}).status_code == 303
    row = task_row(engine, task_id)
    assert (row.status, row.last_error) == ("sent", "已电话告知")


def test_the_handler_may_not_record_the_survey_of_their_own_ticket(app, engine):
    number, task_id = expired_survey(engine)
    dept1 = client(app, "dept1")
    location = error_of(dept1.post(f"/admin/phone-tasks/{task_id}", {"outcome": "reached", "note": "很满意",
                                                                      "resolved": "yes", "satisfaction": "5"}))
    assert "巡办分离" in location and ticket_row(engine, number).status == "resolved"


def test_csrf_is_required(grid1, engine):
    _, task_id = expired_survey(engine)
    data = {"outcome": "no_answer", "note": "x"}
    assert grid1.client.post(f"/admin/phone-tasks/{task_id}", data=data).status_code == 403
    assert grid1.client.post(f"/admin/phone-tasks/{task_id}", data={**data, "csrf_token": "forged"}).status_code == 403
    assert task_row(engine, task_id).attempts == 0
    assert grid1.post(f"/admin/phone-tasks/{task_id}", data).status_code == 303
    assert task_row(engine, task_id).attempts == 1


def test_anonymous_requests_are_refused(app, anon, engine):
    from tests.admin.test_security import admin_routes

    _, task_id = expired_survey(engine)
    routes = set(admin_routes(app))
    assert {("GET", "/admin/phone-tasks"), ("GET", "/admin/phone-tasks/count"),
            ("POST", "/admin/phone-tasks/1")} <= routes  # so the every-route test covers them
    for method, path in [("GET", "/admin/phone-tasks"), ("GET", "/admin/phone-tasks/count"),
                         ("POST", f"/admin/phone-tasks/{task_id}")]:
        r = anon.request(method, path, data={"outcome": "no_answer"} if method == "POST" else None)
        assert r.status_code == 303 and r.headers["location"].startswith("/admin/login"), (method, path)
    assert task_row(engine, task_id).attempts == 0
