"""Dead letters with retry, announcements with progress, and the organisation pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from admin.models import AuditLog
from bot.models import Outbox
from bot.org.models import Grid, Resident, Staff, Visit
from bot.outbox import enqueue


def test_dead_letter_is_listed_and_retried(admin, engine):
    with Session(engine) as s:
        row = enqueue(session=s, key="t-dead-1", kind="customer_service", recipient="oX", payload={"msgtype": "text",
                                                                                              "text": "迟到的回复"})
        row.status, row.attempts, row.last_error = "dead", 8, "45015 回复时间超过限制"
        s.add(row)
        s.commit()
        row_id = row.id
    page = admin.get("/admin/outbox").text
    assert "迟到的回复" in page and "45015" in page
    assert admin.post(f"/admin/outbox/{row_id}/retry").status_code == 303
    with Session(engine) as s:
        assert s.get(Outbox, row_id).status == "pending"
    assert admin.post(f"/admin/outbox/{row_id}/retry").status_code == 404  # no longer dead


def test_announcement_goes_to_the_chosen_grids_with_progress(admin, engine):
    r = admin.client.post("/admin/announce", data={"text": "周六上午义诊", "grids": ["G01", "G02"],
                                                   "csrf_token": admin.csrf})
    assert r.status_code == 303
    page = admin.get("/admin/announce").text
    assert "周六上午义诊" in page and "共 2 个网格群" in page and 'role="progressbar"' in page
    with Session(engine) as s:
        rows = list(s.execute(select(Outbox).where(Outbox.kind == "robot")).scalars())
    assert sorted(r.recipient for r in rows) == ["grid:1", "grid:2"]


def test_grid_page_masks_the_robot_key(admin, engine):
    assert admin.post("/admin/org/grids/1", {"name": "和平一网格", "households": "520",
                                             "robot_key": "abcd-efgh-1234-5678-secret9z"}).status_code == 303
    page = admin.get("/admin/org").text
    assert "••••et9z" in page and "abcd-efgh" not in page and "超过 500" in page
    assert "abcd-efgh" not in admin.get("/admin/org/grids/1").text
    with Session(engine) as s:
        assert s.get(Grid, 1).robot_key == "abcd-efgh-1234-5678-secret9z"
    admin.post("/admin/org/grids/1", {"name": "和平一网格", "households": "420"})  # blank keeps the key
    with Session(engine) as s:
        assert s.get(Grid, 1).robot_key.endswith("et9z")


def test_staff_create_role_reset_password(admin, anon, engine):
    from tests.admin.conftest import login

    r = admin.post("/admin/org/staff", {"username": "newworker", "display_name": "新网格员", "role": "grid_worker",
                                        "password": "a-good-password", "grid_id": "2"})
    assert r.status_code == 303
    with Session(engine) as s:
        staff = s.execute(select(Staff).where(Staff.username == "newworker")).scalar_one()
        assert staff.grid_id == 2 and staff.community_id is not None and staff.password_hash.startswith("$argon2")
    assert login(anon, "newworker", "a-good-password").status_code == 303
    admin.post(f"/admin/org/staff/{staff.id}/password", {"password": "another-password"})
    admin.post(f"/admin/org/staff/{staff.id}", {"role": "grid_chief", "grid_id": "2", "active": "true"})
    with Session(engine) as s:
        assert s.get(Staff, staff.id).role == "grid_chief"
        audit = [a.action for a in s.execute(select(AuditLog).where(AuditLog.target == "staff:newworker")).scalars()]
    assert audit == ["staff.create", "staff.password", "staff.update"]


def test_care_visit_is_recorded_only_in_own_grid(grid1, engine):
    with Session(engine) as s:
        mine = s.execute(select(Resident).where(Resident.grid_id == 1)).scalars().first()
        other = s.execute(select(Resident).where(Resident.grid_id == 2)).scalars().first()
    page = grid1.get("/admin/org/care").text
    assert mine.name in page and other.name not in page and "该走访了" in page
    assert grid1.post(f"/admin/org/care/{mine.id}/visit", {"note": "身体不错"}).status_code == 303
    assert grid1.post(f"/admin/org/care/{other.id}/visit", {"note": "x"}).status_code == 403
    with Session(engine) as s:
        assert s.execute(select(Visit).where(Visit.resident_id == mine.id)).scalar_one().note == "身体不错"


def test_cli_creates_and_lists_staff(settings, seeded, monkeypatch):
    from click.testing import CliRunner

    from admin.cli import staff
    from bot.config import get_settings

    monkeypatch.setenv("LINLI_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(staff, ["create", "clinew", "--name", "命令行", "--role", "grid_worker", "--grid", "G03",
                                  "--password", "pw-123456789"])
        assert r.exit_code == 0, r.output
        r = runner.invoke(staff, ["list"])
        assert "clinew" in r.output and "admin" in r.output
        r = runner.invoke(staff, ["password", "clinew", "--password", "pw-987654321"])
        assert r.exit_code == 0, r.output
    finally:
        get_settings.cache_clear()
