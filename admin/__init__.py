"""Staff admin pages (工作台) at /admin and the resident web chat at /chat: FastAPI + Jinja2 + HTMX."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from admin.security import CookieSigner
from bot.config import Settings
from bot.db import engine_for

HERE = Path(__file__).parent


@dataclass
class AdminState:
    settings: Settings
    engine: Engine
    signer: CookieSigner
    templates: Jinja2Templates

    @property
    def secure_cookie(self) -> bool:
        return self.settings.public_url.startswith("https")


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the admin pages, the web chat and their static files to the gateway app."""
    from admin import deps, views
    from admin.routes import ROUTERS, webchat

    templates = views.make_templates(HERE / "templates")
    app.state.admin = AdminState(settings=settings, engine=engine_for(settings.database_url),
                                 signer=CookieSigner(settings.secret_key, settings.session_max_age_seconds),
                                 templates=templates)
    app.mount("/admin/static", StaticFiles(directory=HERE / "static"), name="admin-static")
    for router in ROUTERS:
        app.include_router(router, prefix="/admin")
    app.include_router(webchat.router)

    @app.exception_handler(deps.NotAuthenticated)
    async def _login_first(request: Request, _exc: Exception) -> Response:
        target = "/admin/login?next=" + quote(request.url.path)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(deps.Forbidden)
    async def _forbidden(request: Request, exc: deps.Forbidden) -> HTMLResponse:
        return views.render(request, "error.html", {"title": "无权访问", "message": exc.message}, status_code=403)

    @app.exception_handler(deps.CsrfFailed)
    async def _csrf(request: Request, _exc: Exception) -> HTMLResponse:
        return views.render(request, "error.html", {"title": "请求已过期",
                                                    "message": "页面已过期或来源不明，请刷新页面后重试。"}, status_code=403)

    @app.exception_handler(views.NotFoundPage)
    async def _not_found(request: Request, exc: Any) -> HTMLResponse:
        return views.render(request, "error.html", {"title": "找不到", "message": str(exc)}, status_code=404)
