"""Template set-up and helpers for the pages: Beijing time, Chinese labels, inline SVG bar charts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from bot.org.models import ROLES
from bot.tickets.models import KINDS, STATUSES

BEIJING = timezone(timedelta(hours=8))
HANDOFF = {"waiting": "等待接待", "claimed": "接待中", None: "机器人"}
CHANNELS = {"wechat": "公众号", "wecom": "企业微信", "web": "网页"}
URGENCY = {"emergency": "紧急", "high": "加急", "normal": "普通"}
ACTIONS = {"review": "初审", "accept": "接单办理", "dispatch": "派单", "resolve": "办结", "return_ticket": "退单",
           "reassign": "改派", "extend": "延期", "close": "关闭", "reopen": "重新打开", "submit": "受理",
           "return": "退单", "remind": "提醒", "escalate": "督办升级", "survey": "回访",
           "urge": "居民催办", "withdraw": "居民撤回", "note": "居民补充", "merge": "合并",
           "place": "补充位置"}


class NotFoundPage(Exception):
    """A record that does not exist (or no longer exists)."""


def beijing(value: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BEIJING).strftime(fmt)


def ago(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = int((datetime.now(timezone.utc) - value).total_seconds())
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{seconds // 60} 分钟前"
    if seconds < 86400:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


def duration(value: timedelta | None) -> str:
    """How long something has waited, for staff: 2 天 5 小时, 3 小时, 12 分钟."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    return f"{hours} 小时" if hours else f"{minutes} 分钟"


def bar_chart(rows: list[tuple[str, int]], *, width: int = 360, color: str = "#2f6fde", href: str | None = None) -> Markup:
    """A horizontal bar chart as inline SVG: one labelled bar per (label, value)."""
    if not rows:
        return Markup('<p class="muted">暂无数据</p>')
    top = max(v for _, v in rows) or 1
    bar_h, gap, label_w = 22, 8, 110
    height = len(rows) * (bar_h + gap)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="柱状图">']
    for i, (label, value) in enumerate(rows):
        y = i * (bar_h + gap)
        w = max(2, int((width - label_w - 40) * value / top))
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" class="chart-label">'
                     f'{escape(str(label))[:10]}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" rx="4" fill="{color}">'
                     f'<title>{escape(str(label))}: {value}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 15}" class="chart-value">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def make_templates(directory: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.filters.update(beijing=beijing, ago=ago, duration=duration)
    env.globals.update(ROLES=ROLES, STATUSES=STATUSES, KINDS=KINDS, HANDOFF=HANDOFF, CHANNELS=CHANNELS,
                       URGENCY=URGENCY, ACTIONS=ACTIONS, bar_chart=bar_chart)
    return templates


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page with the signed-in person (if any) and their CSRF token available to the layout."""
    login = getattr(request.state, "login", None)
    ctx = {"login": login, "me": login.staff if login else None, "csrf_token": login.csrf_token if login else "",
           "path": request.url.path}
    ctx.update(context or {})
    templates = request.app.state.admin.templates
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=headers)
