"""The grid workflow through the service layer: every state to closure, the side transitions, 巡办分离."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.models import Outbox
from bot.tickets import service, workflow
from bot.tickets.errors import InvalidTransition, PermissionDenied
from tests.tickets.conftest import T0


def actions(session, ticket):
    return [e.action for e in service.timeline(session=session, ticket=ticket)]


def notices(session, openid="oResident001"):
    rows = session.execute(select(Outbox).where(Outbox.recipient == openid).order_by(Outbox.id)).scalars()
    return [r.payload["text"] for r in rows]


def test_the_ticket_number_carries_the_beijing_date_not_the_utc_one(org):
    # 07:30 in Beijing on 24 November is 23:30 UTC on the 23rd: the resident and the staff count the 24th
    early = datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)
    t = org.ticket(now=early)
    assert t.number.startswith("261124-")
    assert service.local_time(t.created_at).startswith("11月24日 07:30")


def test_a_complaint_goes_through_every_state_to_closure_and_can_be_reopened(org):
    s = org.session
    grid1, chief1, dept1, community1 = (org.staff(u) for u in ("grid1", "chief1", "dept1", "community1"))
    t = org.ticket()
    assert t.status == "submitted" and t.grid_id == org.grid("G01").id and t.number.startswith("261123-")
    assert service.available_actions(ticket=t, actor=grid1) == ["review"]

    service.review(session=s, actor=grid1, ticket=t, now=T0 + timedelta(minutes=10))
    assert (t.status, t.reviewer_id) == ("under_review", grid1.id)
    service.dispatch(session=s, actor=chief1, ticket=t, handler_id=dept1.id, now=T0 + timedelta(minutes=20))
    assert (t.status, t.handler_id, t.department_id) == ("dispatched", dept1.id, dept1.department_id)
    assert service.available_actions(ticket=t, actor=dept1) == ["accept", "return_ticket", "extend"]
    service.accept(session=s, actor=dept1, ticket=t, now=T0 + timedelta(hours=1))
    service.resolve(session=s, actor=dept1, ticket=t, resolution="已更换灯泡", now=T0 + timedelta(hours=5))
    assert t.status == "resolved"
    with pytest.raises(InvalidTransition, match="回访"):
        service.close(session=s, actor=community1, ticket=t)  # closed only once the resident was asked
    service.record_survey(session=s, ticket=t, resolved=True, satisfaction=5, now=T0 + timedelta(days=1))
    assert t.status == "closed" and t.closed_at is not None

    service.reopen(session=s, actor=community1, ticket=t, reason="居民再次反映灯又不亮", now=T0 + timedelta(days=2))
    assert (t.status, t.handler_id, t.reopen_count) == ("dispatched", dept1.id, 1)
    assert t.deadline_at == T0 + timedelta(days=2, hours=7 * 24)
    assert actions(s, t) == ["submit", "review", "dispatch", "accept", "resolve", "survey", "close", "reopen"]
    texts = notices(s)
    assert len(texts) == 4 and "派给" in texts[0] and "已办结" in texts[1] and "关闭" in texts[2] and "重新" in texts[3]


def test_an_unsatisfied_survey_reopens_and_tells_the_handler(org):
    s = org.session
    t = org.ticket()
    service.review(session=s, actor=org.staff("grid1"), ticket=t)
    service.dispatch(session=s, actor=org.staff("chief1"), ticket=t, handler_id=org.staff("grid1").id)
    service.accept(session=s, actor=org.staff("grid1"), ticket=t)
    service.resolve(session=s, actor=org.staff("grid1"), ticket=t, resolution="已处理")
    service.record_survey(session=s, ticket=t, resolved=True, satisfaction=2)
    assert t.status == "dispatched" and t.reopen_count == 1 and t.satisfaction == 2
    robot = s.execute(select(Outbox).where(Outbox.kind == "robot")).scalars().all()
    assert any("重新办理" in r.payload["text"] and "不满意" in r.payload["text"] for r in robot)


def test_return_reassign_and_extension_with_an_approver(org):
    s = org.session
    grid1, chief1, dept1, dept2 = (org.staff(u) for u in ("grid1", "chief1", "dept1", "dept2"))
    t = org.ticket(now=T0)
    service.review(session=s, actor=grid1, ticket=t, now=T0)
    service.dispatch(session=s, actor=chief1, ticket=t, handler_id=dept1.id, now=T0)
    with pytest.raises(InvalidTransition, match="理由"):
        service.return_ticket(session=s, actor=dept1, ticket=t, reason=" ")
    service.return_ticket(session=s, actor=dept1, ticket=t, reason="不属于城管职责", now=T0 + timedelta(hours=1))
    assert (t.status, t.handler_id) == ("returned", None)
    assert [x.number for x in service.list_tickets(session=s, actor=chief1, queue="dispatch")] == [t.number]

    service.dispatch(session=s, actor=chief1, ticket=t, department_id=org.department("D-WY").id, now=T0 + timedelta(hours=2))
    assert service.available_actions(ticket=t, actor=dept2) == ["accept", "return_ticket", "extend"]
    service.reassign(session=s, actor=chief1, ticket=t, handler_id=dept1.id, reason="物业无人接单，改由城管", now=T0 + timedelta(hours=3))
    assert (t.status, t.handler_id) == ("dispatched", dept1.id)
    assert not service.available_actions(ticket=t, actor=dept2)

    until = t.deadline_at + timedelta(days=3)
    with pytest.raises(PermissionDenied, match="审批"):
        service.extend(session=s, actor=dept1, ticket=t, until=until, reason="需采购灯具", approver_id=dept1.id)
    with pytest.raises(InvalidTransition, match="晚于"):
        service.extend(session=s, actor=dept1, ticket=t, until=t.deadline_at, reason="x", approver_id=chief1.id)
    service.extend(session=s, actor=dept1, ticket=t, until=until, reason="需采购灯具", approver_id=chief1.id,
                   now=T0 + timedelta(hours=4))
    assert t.deadline_at == until
    ev = service.timeline(session=s, ticket=t)[-1]
    assert (ev.action, ev.reason, ev.data["approver"]) == ("extend", "需采购灯具", chief1.display_name)
    assert actions(s, t) == ["submit", "review", "dispatch", "return", "dispatch", "reassign", "extend"]


def test_who_reported_or_reviewed_a_case_cannot_close_it(org):
    """巡办分离: a grid worker reports on patrol, reviews nothing, handles nothing — and closes nothing of theirs."""
    s = org.session
    grid1, chief1, community1 = org.staff("grid1"), org.staff("chief1"), org.staff("community1")
    t = org.ticket(resident=None, reporter_staff_id=grid1.id)
    service.review(session=s, actor=chief1, ticket=t)
    service.dispatch(session=s, actor=community1, ticket=t, handler_id=grid1.id)
    service.accept(session=s, actor=grid1, ticket=t)
    service.resolve(session=s, actor=grid1, ticket=t, resolution="已清理")
    for who in (grid1, chief1):
        assert "close" not in service.available_actions(ticket=t, actor=who)
        with pytest.raises(PermissionDenied, match="巡办分离"):
            service.close(session=s, actor=who, ticket=t)
    assert "close" in service.available_actions(ticket=t, actor=community1)
    service.close(session=s, actor=community1, ticket=t, reason="现场核实已清理")
    assert t.status == "closed"


def test_review_can_refuse_with_a_reason_and_the_resident_is_told(org):
    s = org.session
    t = org.ticket()
    with pytest.raises(InvalidTransition):
        service.review(session=s, actor=org.staff("grid1"), ticket=t, accept=False)
    service.review(session=s, actor=org.staff("grid1"), ticket=t, accept=False, reason="属于私人纠纷，请走调解")
    assert t.status == "closed" and "未予受理" in notices(s)[-1]


def test_actions_out_of_order_are_refused(org):
    s = org.session
    t = org.ticket()
    with pytest.raises(InvalidTransition):
        service.dispatch(session=s, actor=org.staff("chief1"), ticket=t, handler_id=org.staff("dept1").id)
    with pytest.raises(InvalidTransition):
        service.record_survey(session=s, ticket=t, resolved=True, satisfaction=5)
    with pytest.raises(PermissionDenied):
        service.review(session=s, actor=None, ticket=t)  # transitions need a person


def test_the_transition_table_names_only_real_states_and_functions():
    from bot.tickets.models import STATUSES

    for rule in workflow.TABLE:
        assert rule.state in STATUSES and rule.to in STATUSES
        assert hasattr(service, workflow.FUNCTION_OF.get(rule.action, rule.action))


def test_bulk_dispatch_sends_several_to_one_department_or_refuses(org):
    s = org.session
    admin, wy = org.staff("admin"), org.department("D-WY")
    a, b = org.ticket(building="1号楼"), org.ticket(building="2号楼")
    for t in (a, b):
        service.review(session=s, actor=org.staff("grid1"), ticket=t)
    done = service.bulk_dispatch(session=s, actor=admin, numbers=[a.number, b.number], department_id=wy.id)
    assert [(t.status, t.department_id) for t in done] == [("dispatched", wy.id)] * 2
    with pytest.raises(InvalidTransition):
        service.bulk_dispatch(session=s, actor=admin, numbers=[a.number], department_id=wy.id)


def test_the_docs_carry_the_real_transition_table():
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "tickets.md").read_text(encoding="utf-8")
    assert workflow.table_markdown() in docs


def test_handler_name_is_the_person_or_else_the_department(org):
    s = org.session
    t = org.ticket()
    service.review(session=s, actor=org.staff("grid1"), ticket=t)
    service.dispatch(session=s, actor=org.staff("chief1"), ticket=t, department_id=org.department("D-WY").id)
    assert service.handler_name(session=s, ticket=t) == "物业管理办公室"
    service.accept(session=s, actor=org.staff("dept2"), ticket=t)
    assert service.handler_name(session=s, ticket=t) == org.staff("dept2").display_name


def robot_lines(session) -> list[str]:
    rows = session.execute(select(Outbox).where(Outbox.kind == "robot").order_by(Outbox.id)).scalars()
    return [r.payload["text"] for r in rows]


def test_a_resident_withdraws_their_report_it_closes_the_grid_is_told_and_it_leaves_the_resolution_rate(org):
    from admin.stats import resolution_rate

    s = org.session
    kept, gone = org.ticket(text="楼道灯坏了"), org.ticket(building="2号楼", text="2号楼门口垃圾没人收", category="环境卫生")
    service.review(session=s, actor=org.staff("grid1"), ticket=gone, now=T0 + timedelta(minutes=5))
    assert service.withdraw(session=s, ticket=gone, text="已经清走了，不用来了", now=T0 + timedelta(hours=1)) == "withdrawn"
    assert (gone.status, gone.withdrawn_at, gone.closed_at) == ("closed", T0 + timedelta(hours=1), T0 + timedelta(hours=1))
    last = service.timeline(session=s, ticket=gone)[-1]
    assert (last.action, last.actor_label, last.from_status) == ("withdraw", "居民撤回", "under_review")
    assert "已经清走了" in last.reason
    assert any("【居民撤回】工单 " + gone.number in line and "无需再上门" in line for line in robot_lines(s))
    rate = resolution_rate([kept, gone], T0 + timedelta(hours=2))
    assert (rate.hits, rate.total) == (0, 1)  # neither resolved nor counted against the grid
    with pytest.raises(InvalidTransition):  # a closed ticket cannot be withdrawn again
        service.withdraw(session=s, ticket=gone, text="撤销", now=T0 + timedelta(hours=3))


def test_an_emergency_or_a_case_others_joined_is_not_closed_by_one_residents_word(org):
    s = org.session
    gas = org.ticket(text="楼道里有煤气味", kind="emergency", category="水电气暖")
    assert not service.may_withdraw(session=s, ticket=gas)
    assert service.withdraw(session=s, ticket=gas, text="已经没味了，不用来了", now=T0 + timedelta(minutes=20)) == "noted"
    assert gas.status == "submitted" and gas.withdrawn_at is None
    assert service.timeline(session=s, ticket=gas)[-1].action == "note"
    assert any("【居民说已不需要】工单 " + gas.number in line and "请核实" in line for line in robot_lines(s))

    first = org.ticket(text="1号楼路灯不亮")
    second = org.ticket(text="1号楼路灯坏了", resident="oNeighbour")
    assert second.parent_id == first.id
    assert service.withdraw(session=s, ticket=first, text="撤销", now=T0 + timedelta(hours=1)) == "noted"
    assert first.status == "submitted"
    # the neighbour's own report, folded into the first, is theirs to withdraw
    assert service.withdraw(session=s, ticket=second, text="撤销", now=T0 + timedelta(hours=1)) == "withdrawn"
    assert second.status == "closed" and first.status == "submitted"
    assert service.may_withdraw(session=s, ticket=first)
