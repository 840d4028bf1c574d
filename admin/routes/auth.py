"""Log in and out: argon2 passwords, lockout after repeated failures, a signed HttpOnly session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from admin import crud, security
from admin.deps import PROTECTED, LoginDep, SessionDep, client_ip
from admin.views import render
from bot.models import utcnow

router = APIRouter()
protected = APIRouter(dependencies=PROTECTED)
WRONG = "用户名或密码不正确。"


def _safe_next(target: str | None) -> str:
    """Only local admin pages: never an open redirect to another site."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin/"


def _login_page(request: Request, *, next_url: str, error: str | None = None, username: str = "",
                status_code: int = 200) -> Response:
    token = security.new_token()
    response = render(request, "login.html", {"login_csrf": token, "next": next_url, "error": error,
                                              "username": username}, status_code=status_code)
    response.set_cookie(security.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/admin",
                        secure=request.app.state.admin.secure_cookie)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/admin/") -> Response:
    """The login page."""
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)], csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/admin/") -> Response:
    """Check the password; five failures lock the account for 15 minutes, thirty from one address block it."""
    next_url, ip, now = _safe_next(next), client_ip(request), utcnow()
    if not security.same(csrf_token, request.cookies.get(security.LOGIN_CSRF_COOKIE)):
        return _login_page(request, next_url=next_url, error="页面已过期，请重新登录。", status_code=403)
    if ip and crud.failed_logins_from(session=session, ip=ip, since=now - security.IP_WINDOW) >= security.IP_MAX_FAILURES:
        crud.audit(session=session, staff=None, username=username[:64], action="login.refused_ip", ip=ip)
        return _login_page(request, next_url=next_url, username=username, status_code=429,
                           error="这台电脑所在网络的登录失败次数过多，请 15 分钟后再试，或请街道管理员协助。")
    staff = crud.staff_by_username(session=session, username=username.strip())
    if staff is None or not staff.active:
        crud.audit(session=session, staff=None, username=username[:64], action="login.failed", ip=ip)
        return _login_page(request, next_url=next_url, error=WRONG, username=username, status_code=401)
    if security.is_locked(staff.locked_until, now):
        crud.audit(session=session, staff=staff, action="login.refused_locked", ip=ip)
        minutes = int((staff.locked_until - now).total_seconds() // 60) + 1
        return _login_page(request, next_url=next_url, username=username, status_code=423,
                           error=f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试，或请街道管理员解锁。")
    if not security.verify_password(password, staff.password_hash):
        crud.login_failed(session=session, staff=staff, now=now)
        locked = security.is_locked(staff.locked_until, now)
        crud.audit(session=session, staff=staff, action="login.locked" if locked else "login.failed", ip=ip)
        error = "密码错误次数过多，账号已锁定 15 分钟。" if locked else WRONG
        return _login_page(request, next_url=next_url, error=error, username=username, status_code=401)
    record = crud.open_session(session=session, staff=staff, ip=ip, now=now)
    crud.audit(session=session, staff=staff, action="login", ip=ip)
    state = request.app.state.admin
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(security.COOKIE, state.signer.sign(record.id), max_age=state.settings.session_max_age_seconds,
                        httponly=True, samesite="lax", secure=state.secure_cookie, path="/")
    response.delete_cookie(security.LOGIN_CSRF_COOKIE, path="/admin")
    return response


@protected.post("/logout")
def logout(request: Request, session: SessionDep, login: LoginDep) -> Response:
    """End the session on the server and in the browser."""
    crud.audit(session=session, staff=login.staff, action="logout", ip=client_ip(request))
    crud.close_session(session=session, session_id=login.record.id)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(security.COOKIE, path="/")
    return response
