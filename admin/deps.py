"""Dependencies shared by the admin routes, as Annotated aliases: database session, signed-in staff, CSRF, roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from admin import crud, security
from admin.models import AdminSession
from bot.db import session_scope
from bot.models import utcnow
from bot.org.models import Staff

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotAuthenticated(Exception):
    """No valid session: the browser is sent to the login page."""


class Forbidden(Exception):
    """Signed in, but this page or record is outside the person's role or grid."""

    def __init__(self, message: str = "您没有权限查看或操作这个页面。") -> None:
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token."""


@dataclass
class Login:
    staff: Staff
    record: AdminSession

    @property
    def csrf_token(self) -> str:
        return self.record.csrf_token


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; committed before the response is sent, rolled back on error."""
    with session_scope(request.app.state.admin.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_login(request: Request, session: SessionDep) -> Login:
    """The signed-in staff member, or NotAuthenticated (the cookie is signed, aged and backed by a server row)."""
    state = request.app.state.admin
    session_id = state.signer.unsign(request.cookies.get(security.COOKIE))
    record = crud.live_session(session=session, session_id=session_id, now=utcnow(),
                               max_age=state.settings.session_max_age_seconds) if session_id else None
    staff = crud.get_staff(session=session, staff_id=record.staff_id) if record else None
    if staff is None or not staff.active:
        session.commit()  # keep the deletion of an expired session despite the exception below
        raise NotAuthenticated
    session.expunge(staff)  # kept readable by error pages even after the request's transaction rolls back
    session.expunge(record)
    login = Login(staff=staff, record=record)
    request.state.login = login
    return login


LoginDep = Annotated[Login, Depends(current_login)]


async def require_csrf(request: Request, login: LoginDep) -> None:
    """Every state-changing request carries the session's token: HTMX in a header, plain forms in a field."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get("x-csrf-token")
    if not token:
        form = await request.form()
        token = form.get("csrf_token")
    if not security.same(token if isinstance(token, str) else None, login.csrf_token):
        raise CsrfFailed


def current_staff(login: LoginDep) -> Staff:
    return login.staff


StaffDep = Annotated[Staff, Depends(current_staff)]


def require_roles(*roles: str):
    """A dependency that refuses anyone whose role is not in `roles`."""

    def check(staff: StaffDep) -> Staff:
        if staff.role not in roles:
            raise Forbidden()
        return staff

    return Depends(check)


ADMIN_ONLY = require_roles("street_admin")
KNOWLEDGE_EDITORS = require_roles("street_admin", "community_staff")
CHAT_ROLES = require_roles("street_admin", "community_staff", "grid_chief", "grid_worker")
PROTECTED = [Depends(current_login), Depends(require_csrf)]
