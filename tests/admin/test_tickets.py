"""Ticket pages: queues, scoping (403 for another grid), actions through the service, bulk dispatch, export, dashboard."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import unquote

from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import Session

from admin.models import AuditLog
from bot.models import utcnow
from bot.org.models import Staff
from bot.tickets import service
from bot.tickets.models import Ticket


def make_ticket(engine, *, grid_id: int, text="3号楼门口路灯坏了，晚上很黑", category="市政设施", **kw) -> str:
    with Session(engine) as s:
        t = service.create_ticket(session=s, kind="complaint", text=text, resident="oRes-ticket", channel="wechat",
                                  category=category, grid_id=grid_id, **kw)
        s.commit()
        return t.number


def staff_id(engine, username: str) -> int:
    with Session(engine) as s:
        return s.execute(select(Staff.id).where(Staff.username == username)).scalar_one()


def status(engine, number: str) -> str:
    with Session(engine) as s:
        return s.execute(select(Ticket.status).where(Ticket.number == number)).scalar_one()


def test_queues_and_filters(admin, engine):
    number = make_ticket(engine, grid_id=1)
    page = admin.get("/admin/tickets?queue=review").text
    assert number in page and "待初审" in page
    assert number not in admin.get("/admin/tickets?queue=dispatch").text
    assert number in admin.get("/admin/tickets?q=路灯").text
    assert number not in admin.get("/admin/tickets?grid=G02").text


def test_grid_worker_is_refused_another_grids_ticket(grid1, engine):
    mine, theirs = make_ticket(engine, grid_id=1), make_ticket(engine, grid_id=2, text="二网格的垃圾没人清")
    assert grid1.get(f"/admin/tickets/{mine}").status_code == 200
    r = grid1.get(f"/admin/tickets/{theirs}")
    assert r.status_code == 403 and "无权访问" in r.text
    assert theirs not in grid1.get("/admin/tickets").text
    assert grid1.post(f"/admin/tickets/{theirs}/review").status_code == 403


def test_review_dispatch_accept_resolve_through_the_pages(app, admin, engine):
    from tests.admin.conftest import Staff as Client, _logged_in

    number = make_ticket(engine, grid_id=1)
    detail = admin.get(f"/admin/tickets/{number}").text
    assert "初审通过" in detail and "办理过程" in detail
    assert admin.post(f"/admin/tickets/{number}/review", {"decision": "accept"}).status_code == 303
    assert status(engine, number) == "under_review"
    r = admin.post(f"/admin/tickets/{number}/dispatch", {"handler_id": str(staff_id(engine, "grid1"))})
    assert r.status_code == 303 and status(engine, number) == "dispatched"
    worker = Client(_logged_in(app, "grid1"))
    assert "接单" in worker.get(f"/admin/tickets/{number}").text
    worker.post(f"/admin/tickets/{number}/accept")
    r = worker.post(f"/admin/tickets/{number}/resolve", {"resolution": ""})
    assert "error=" in r.headers["location"] and status(engine, number) == "in_progress"
    worker.post(f"/admin/tickets/{number}/resolve", {"resolution": "已更换灯泡"})
    assert status(engine, number) == "resolved"
    page = admin.get(f"/admin/tickets/{number}").text
    for word in ("初审", "派单", "接单办理", "办结", "已更换灯泡"):
        assert word in page
    with Session(engine) as s:
        actions = [a.action for a in s.execute(select(AuditLog).where(AuditLog.target == f"ticket:{number}")).scalars()]
    assert actions == ["ticket.review", "ticket.dispatch", "ticket.accept", "ticket.resolve"]


def test_an_action_the_service_refuses_is_403(grid1, engine):
    number = make_ticket(engine, grid_id=1)
    grid1.post(f"/admin/tickets/{number}/review", {"decision": "accept"})
    r = grid1.post(f"/admin/tickets/{number}/dispatch", {"handler_id": "1"})  # 网格员 may not dispatch
    assert r.status_code == 403 and status(engine, number) == "under_review"


def test_bulk_dispatch_to_a_department(admin, engine):
    numbers = [make_ticket(engine, grid_id=1, text=f"第{i}件：小区道路坑洼", category=f"道路{i}") for i in range(3)]
    for n in numbers:
        admin.post(f"/admin/tickets/{n}/review", {"decision": "accept"})
    r = admin.client.post("/admin/tickets/bulk-dispatch",
                          data={"numbers": numbers[:2], "department_id": "1", "csrf_token": admin.csrf})
    assert r.status_code == 303 and "已派单" in unquote(r.headers["location"])
    assert [status(engine, n) for n in numbers] == ["dispatched", "dispatched", "under_review"]


def test_export_is_an_xlsx_of_the_filtered_list(admin, engine):
    a = make_ticket(engine, grid_id=1)
    b = make_ticket(engine, grid_id=2, text="二网格噪音扰民", category="噪音")
    r = admin.get("/admin/tickets/export.xlsx?grid=G01")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[0][0] == "编号" and [row[0] for row in rows[1:]] == [a]
    assert b not in [row[0] for row in rows]


def test_dashboard_shows_counts_rates_and_hot_topics(admin, grid1, engine):
    make_ticket(engine, grid_id=1)
    make_ticket(engine, grid_id=2, text="路灯不亮，路灯坏了好几天", category="路灯")
    with Session(engine) as s:
        t = service.create_ticket(session=s, kind="complaint", text="楼道堆放杂物", resident="x", grid_id=1,
                                  category="消防", now=utcnow() - timedelta(days=10))
        s.commit()
    page = admin.get("/admin/").text
    assert "<svg" in page and "响应率" in page and "解决率" in page and "满意率" in page
    assert "路灯" in page and "和平二网格" in page
    mine = grid1.get("/admin/").text
    assert "和平二网格" not in mine  # scoped: grid1 sees only its own grid


def test_the_ticket_page_shows_where_and_the_photos_the_resident_sent(admin, engine):
    from bot.org.models import Building

    with Session(engine) as s:
        building = s.execute(select(Building).where(Building.grid_id == 1).order_by(Building.id)).scalars().first()
        name = building.name
    number = make_ticket(engine, grid_id=1, building_id=building.id,
                         location={"lat": 39.9, "lng": 116.4, "label": "东门岗亭旁"},
                         attachments=[{"type": "image", "media_id": "M1", "pic_url": "https://mmbiz.example/p1.jpg"},
                                      {"type": "image", "media_id": "M2", "pic_url": "javascript:alert(1)"}])
    page = admin.get(f"/admin/tickets/{number}").text
    where = page.split("<th>地点</th>")[1].split("</tr>")[0]
    assert name in where and "居民说：东门岗亭旁" in where and "uri.amap.com/marker?position=116.4%2C39.9" in where
    photos = page.split("<th>照片</th>")[1].split("</tr>")[0]
    assert "2 张" in photos and 'src="https://mmbiz.example/p1.jpg"' in photos and 'referrerpolicy="no-referrer"' in photos
    assert "javascript:" not in page
    bare = admin.get(f"/admin/tickets/{make_ticket(engine, grid_id=1)}").text
    assert "未提供" in bare.split("<th>地点</th>")[1].split("</tr>")[0] and "<th>照片</th>" not in bare


def test_a_ticket_the_resident_withdrew_shows_it_on_its_timeline(admin, engine):
    number = make_ticket(engine, grid_id=1)
    with Session(engine) as s:
        t = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        service.withdraw(session=s, ticket=t, text="已经修好了，不用来了")
        s.commit()
    page = admin.get(f"/admin/tickets/{number}").text
    assert "居民撤回" in page and "已经修好了，不用来了" in page
    html = admin.get("/admin/tickets?status=closed").text
    listed = html[html.index(number):]
    listed = listed[:listed.index("</tr>")]
    assert "居民撤回" in listed  # the list says so too: 关闭 alone reads as done
