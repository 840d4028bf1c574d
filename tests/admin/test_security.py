"""Security of the admin page: anonymous refusal on every route, CSRF, lockout, session expiry, cookie flags."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from admin.models import AdminSession, AuditLog
from admin.security import COOKIE, hash_password, verify_password
from bot.org.models import Staff
from tests.admin.conftest import login

PUBLIC = {"/admin/login", "/admin/static"}


def test_passwords_are_argon2_hashed():
    h = hash_password("s3cret-pass")
    assert h.startswith("$argon2id$")
    assert verify_password("s3cret-pass", h) and not verify_password("wrong", h) and not verify_password("x", None)


def all_routes(routes, prefix=""):
    """(path, route) for every route, looking inside included routers (FastAPI nests them lazily)."""
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            yield from all_routes(route.original_router.routes, prefix + context.prefix)
        else:
            yield prefix + getattr(route, "path", ""), route


def admin_routes(app):
    for path, route in all_routes(app.routes):
        if path.startswith("/admin") and not any(path.startswith(p) for p in PUBLIC):
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                yield method, re.sub(r"\{[^}]+\}", "1", path)


def test_every_admin_route_refuses_anonymous_requests(app, anon):
    routes = list(admin_routes(app))
    assert len(routes) > 20
    for method, path in routes:
        r = anon.request(method, path)
        assert r.status_code in (303, 401, 403), (method, path, r.status_code)
        if r.status_code == 303:
            assert r.headers["location"].startswith("/admin/login"), (method, path)


def test_htmx_requests_get_401_with_a_redirect_header(anon):
    r = anon.get("/admin/inbox/list", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/admin/login")


def test_session_cookie_is_signed_httponly_and_lax(app):
    with TestClient(app, follow_redirects=False) as c:
        r = login(c, "admin")
        cookie = r.headers["set-cookie"]
        assert r.status_code == 303 and COOKIE in cookie
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
        assert "Secure" not in cookie  # public_url is http in tests
        c.cookies.set(COOKIE, c.cookies[COOKIE][:-3] + "abc")
        assert c.get("/admin/inbox").status_code == 303


def test_cookie_is_secure_when_public_url_is_https(settings, seeded):
    from bot.gateway import create_app

    app = create_app(settings.model_copy(update={"public_url": "https://linli.example.org"}))
    with TestClient(app, follow_redirects=False) as c:
        assert "Secure" in login(c, "admin").headers["set-cookie"]


def test_post_without_or_with_wrong_csrf_token_is_refused(admin):
    assert admin.client.post("/admin/canned", data={"title": "x", "text": "y"}).status_code == 403
    assert admin.client.post("/admin/canned", data={"title": "x", "text": "y", "csrf_token": "forged"}).status_code == 403
    r = admin.client.post("/admin/canned", data={"title": "x", "text": "y"}, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert admin.post("/admin/canned", {"title": "x", "text": "y"}).status_code == 303
    r = admin.client.post("/admin/canned", data={"title": "z", "text": "y"}, headers={"X-CSRF-Token": admin.csrf})
    assert r.status_code == 303


def test_login_form_needs_its_own_csrf_token(anon):
    r = anon.post("/admin/login", data={"username": "admin", "password": "linli-demo-2026", "csrf_token": "x"})
    assert r.status_code == 403 and COOKIE not in r.headers.get("set-cookie", "")


def test_five_wrong_passwords_lock_the_account_for_15_minutes(anon, engine):
    for _ in range(4):
        assert login(anon, "grid2", "wrong-password").status_code == 401
    r = login(anon, "grid2", "wrong-password")
    assert r.status_code == 401 and "锁定" in r.text
    r = login(anon, "grid2")  # the right password no longer helps
    assert r.status_code == 423 and "锁定" in r.text
    with Session(engine) as s:
        staff = s.execute(select(Staff).where(Staff.username == "grid2")).scalar_one()
        assert staff.locked_until is not None
        actions = [a.action for a in s.execute(select(AuditLog).where(AuditLog.username == "grid2")).scalars()]
    assert actions.count("login.failed") == 4 and "login.locked" in actions and "login.refused_locked" in actions


def test_thirty_failures_from_one_address_block_it_but_not_other_addresses(app, engine):
    from fastapi.testclient import TestClient

    with TestClient(app, follow_redirects=False, client=("203.0.113.7", 40000)) as sprayer:
        for i in range(30):  # one password tried on many accounts: no single account reaches its lockout
            assert login(sprayer, f"staff{i % 10}", "Password123").status_code == 401
        r = login(sprayer, "grid1")  # even the right password is not checked from this address now
        assert r.status_code == 429 and "15 分钟" in r.text
    with TestClient(app, follow_redirects=False, client=("198.51.100.2", 40000)) as colleague:
        assert login(colleague, "grid1").status_code == 303
    with Session(engine) as s:
        refused = s.execute(select(AuditLog).where(AuditLog.action == "login.refused_ip")).scalars().all()
        grid1 = s.execute(select(Staff).where(Staff.username == "grid1")).scalar_one()
    assert [(a.ip, a.username) for a in refused] == [("203.0.113.7", "grid1")] and grid1.locked_until is None


def test_admin_unlocks_and_the_user_gets_in(anon, admin, engine):
    for _ in range(5):
        login(anon, "grid3", "nope-nope")
    with Session(engine) as s:
        staff_id = s.execute(select(Staff.id).where(Staff.username == "grid3")).scalar_one()
    assert admin.post(f"/admin/org/staff/{staff_id}/unlock").status_code == 303
    assert login(anon, "grid3").status_code == 303


def test_idle_and_old_sessions_expire(admin, engine):
    assert admin.get("/admin/inbox").status_code == 200
    with Session(engine) as s:
        row = s.execute(select(AdminSession)).scalars().first()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
        s.add(row)
        s.commit()
    assert admin.get("/admin/inbox").status_code == 303
    with Session(engine) as s:
        assert s.execute(select(AdminSession)).first() is None  # the server forgot it too


def test_sessions_older_than_max_age_expire(admin, engine):
    with Session(engine) as s:
        row = s.execute(select(AdminSession)).scalars().first()
        row.created_at = row.created_at - timedelta(hours=9)
        s.add(row)
        s.commit()
    assert admin.get("/admin/inbox").status_code == 303


def test_logout_ends_the_server_session(admin):
    assert admin.post("/admin/logout").status_code == 303
    assert admin.get("/admin/inbox").status_code == 303


def test_no_open_redirect_after_login(anon):
    page = anon.get("/admin/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = anon.post("/admin/login", data={"username": "admin", "password": "linli-demo-2026", "csrf_token": token,
                                        "next": "https://evil.example/"})
    assert r.headers["location"] == "/admin/"


@pytest.mark.parametrize("url", ["/admin/org/staff", "/admin/audit", "/admin/outbox"])
def test_grid_workers_cannot_open_street_admin_pages(grid1, url):
    r = grid1.get(url)
    assert r.status_code == 403 and "无权访问" in r.text


def test_state_changes_are_audited(admin, engine):
    admin.post("/admin/canned", {"title": "测试", "text": "内容"})
    with Session(engine) as s:
        row = s.execute(select(AuditLog).where(AuditLog.action == "canned.save")).scalar_one()
    assert row.username == "admin" and row.ip and row.target.startswith("canned:")
