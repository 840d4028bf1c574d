"""Duplicates: same building (or grid) and category within the window join one parent; all reporters hear of closure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.models import Outbox
from bot.tickets import service
from tests.tickets.conftest import T0


def test_reports_of_the_same_problem_join_one_parent_and_everyone_hears_it_closed(org):
    s = org.session
    first = org.ticket(resident="oA", now=T0)
    second = org.ticket(resident="oB", text="1号楼的灯还是坏的", now=T0 + timedelta(hours=5))
    third = org.ticket(resident="oC", now=T0 + timedelta(hours=71))
    assert first.parent_id is None and second.parent_id == first.id and third.parent_id == first.id
    assert "merge" in [e.action for e in service.timeline(session=s, ticket=second)]
    assert [t.number for t in service.list_tickets(session=s, queue="review")] == [first.number]

    service.review(session=s, actor=org.staff("grid1"), ticket=first)
    service.dispatch(session=s, actor=org.staff("chief1"), ticket=first, handler_id=org.staff("grid1").id)
    service.accept(session=s, actor=org.staff("grid1"), ticket=first)
    service.resolve(session=s, actor=org.staff("grid1"), ticket=first, resolution="已更换灯泡")
    service.record_survey(session=s, ticket=first, resolved=True, satisfaction=4)
    assert [t.status for t in (first, second, third)] == ["closed"] * 3
    told = {r.recipient for r in s.execute(select(Outbox).where(Outbox.kind == "customer_service")).scalars()
            if "关闭" in r.payload["text"]}
    assert told == {"oA", "oB", "oC"}


def test_other_places_categories_or_old_reports_are_not_duplicates(org):
    first = org.ticket(now=T0)
    assert org.ticket(building="2号楼", now=T0).parent_id is None  # another building
    assert org.ticket(category="环境卫生", now=T0).parent_id is None  # another category
    assert org.ticket(category=None, now=T0).parent_id is None  # unknown category never merges
    assert org.ticket(now=T0 + timedelta(hours=73)).parent_id is None  # outside the 72 h window


def test_a_closed_ticket_is_no_parent(org):
    first = org.ticket(now=T0)
    service.review(session=org.session, actor=org.staff("grid1"), ticket=first, accept=False, reason="重复")
    assert org.ticket(now=T0 + timedelta(hours=1)).parent_id is None


def test_without_a_building_the_grid_decides(org):
    s = org.session
    grid = org.grid("G02").id
    a = service.create_ticket(session=s, kind="complaint", text="小区路面破损", resident="oA", category="道路", grid_id=grid, now=T0)
    b = service.create_ticket(session=s, kind="complaint", text="路面坑洼", resident="oB", category="道路", grid_id=grid, now=T0)
    assert b.parent_id == a.id


def test_the_window_is_configurable(org, monkeypatch):
    monkeypatch.setenv("LINLI_DUPLICATE_WINDOW_HOURS", "1")
    org.ticket(now=T0)
    assert org.ticket(now=T0 + timedelta(hours=2)).parent_id is None
