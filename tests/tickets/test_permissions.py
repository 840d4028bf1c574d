"""Scope: a grid worker sees and acts only in their grid; a department only what was sent to it; the street all."""

from __future__ import annotations

import pytest

from bot.tickets import service
from bot.tickets.errors import PermissionDenied


@pytest.fixture
def two_tickets(org):
    g1 = org.ticket(building="1号楼", text="1号楼门口垃圾堆积", category="环境卫生")  # G01, 和平社区
    g4 = org.ticket(building="13号楼", text="13号楼路灯不亮", category="路灯照明")  # G04, 光明社区
    return g1, g4


def numbers(org, actor, **kw):
    return [t.number for t in service.list_tickets(session=org.session, actor=actor, **kw)]


def test_a_grid_worker_neither_reads_nor_acts_on_another_grids_tickets(org, two_tickets):
    g1, g4 = two_tickets
    grid1, grid4 = org.staff("grid1"), org.staff("grid4")
    assert numbers(org, grid1) == [g1.number] and numbers(org, grid4) == [g4.number]
    with pytest.raises(PermissionDenied):
        service.get_ticket(session=org.session, actor=grid1, number=g4.number)
    with pytest.raises(PermissionDenied):
        service.review(session=org.session, actor=grid1, ticket=g4)
    assert service.available_actions(ticket=g4, actor=grid1) == []
    assert g4.status == "submitted"


def test_community_staff_see_their_community_and_the_street_sees_all(org, two_tickets):
    g1, g4 = two_tickets
    assert numbers(org, org.staff("community1")) == [g1.number]
    assert numbers(org, org.staff("community2")) == [g4.number]
    assert numbers(org, org.staff("admin")) == [g1.number, g4.number]
    assert numbers(org, None) == [g1.number, g4.number]  # the system and the CLI


def test_a_department_handler_sees_only_what_was_dispatched_to_them(org, two_tickets):
    g1, g4 = two_tickets
    dept1, dept2, dept3 = org.staff("dept1"), org.staff("dept2"), org.staff("dept3")
    assert numbers(org, dept1) == []
    service.review(session=org.session, actor=org.staff("grid1"), ticket=g1)
    service.dispatch(session=org.session, actor=org.staff("chief1"), ticket=g1, handler_id=dept1.id)
    service.review(session=org.session, actor=org.staff("grid4"), ticket=g4)
    service.dispatch(session=org.session, actor=org.staff("community2"), ticket=g4, department_id=dept2.department_id)
    assert numbers(org, dept1) == [g1.number] and numbers(org, dept1, queue="mine") == [g1.number]
    assert numbers(org, dept2) == [g4.number] and numbers(org, dept2, queue="mine") == [g4.number]
    assert numbers(org, dept3) == []
    with pytest.raises(PermissionDenied):
        service.accept(session=org.session, actor=dept3, ticket=g4)
    with pytest.raises(PermissionDenied):
        service.accept(session=org.session, actor=dept1, ticket=g4)


def test_roles_are_checked_within_scope(org, two_tickets):
    g1, _ = two_tickets
    service.review(session=org.session, actor=org.staff("grid1"), ticket=g1)
    with pytest.raises(PermissionDenied, match="派单"):  # a grid worker reviews but does not dispatch
        service.dispatch(session=org.session, actor=org.staff("grid1"), ticket=g1, handler_id=org.staff("dept1").id)
    with pytest.raises(PermissionDenied, match="不负责"):  # nor can a grid ticket go to another grid's worker
        service.dispatch(session=org.session, actor=org.staff("chief1"), ticket=g1, handler_id=org.staff("grid4").id)


def test_an_inactive_account_sees_nothing(org, two_tickets):
    admin = org.staff("admin")
    admin.active = False
    assert numbers(org, admin) == []


def test_work_queues(org, two_tickets):
    g1, g4 = two_tickets
    admin = org.staff("admin")
    assert numbers(org, admin, queue="review") == [g1.number, g4.number]
    service.review(session=org.session, actor=admin, ticket=g1)
    assert numbers(org, admin, queue="review") == [g4.number]
    assert numbers(org, admin, queue="dispatch") == [g1.number]
    assert numbers(org, admin, search="路灯") == [g4.number]
    with pytest.raises(service.InvalidTransition):
        numbers(org, admin, queue="nonsense")


def test_anonymous_opinions_are_for_the_street_and_the_community_only(org):
    s = org.session
    c1 = org.grid("G01").community_id
    service.submit_opinion(session=s, text="希望多办老年活动", community_id=c1)
    service.submit_opinion(session=s, text="停车太难", community_id=org.grid("G04").community_id)
    assert len(service.list_opinions(session=s, actor=org.staff("admin"))) == 2
    assert [o.text for o in service.list_opinions(session=s, actor=org.staff("community1"))] == ["希望多办老年活动"]
    for who in ("grid1", "chief1", "dept1"):
        with pytest.raises(PermissionDenied):
            service.list_opinions(session=s, actor=org.staff(who))
