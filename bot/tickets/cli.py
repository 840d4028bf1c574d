"""`linli tickets`: list, show and move tickets through the service layer (database from LINLI_DATABASE_URL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import wraps

import click
from sqlalchemy import select

from bot.db import session_scope
from bot.models import utcnow
from bot.org.models import Department
from bot.org.service import staff_by_username
from bot.tickets import service
from bot.tickets.errors import NotFound, TicketError


def _fail_clearly(fn: Callable) -> Callable:
    """Every refusal from the service becomes one readable line and exit status 1."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TicketError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


def _when(value: str | None) -> datetime | None:
    """An ISO time; without a zone it is Beijing time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"不是有效的时间：{value}（例如 2026-12-01T18:00）") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=service.BEIJING).astimezone(timezone.utc)


def _department_id(session, code: str | None) -> int | None:
    if code is None:
        return None
    dept = session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()
    if dept is None:
        raise NotFound(f"没有代码为 {code} 的部门")
    return dept.id


@click.group()
def tickets() -> None:
    """Tickets (工单): list, show, and the workflow (初审, 派单, 办理, 办结, 退单, 改派, 延期, 关闭, 重办)."""


@tickets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--status", default=None, help="Only this status, e.g. submitted, in_progress.")
@click.option("--grid", default=None, help="Only this grid code, e.g. G01.")
@click.option("--queue", default=None, type=click.Choice(list(service.QUEUES)), help="A work queue.")
@click.option("--as", "as_user", default=None, help="See only what this staff member sees.")
@_fail_clearly
def list_cmd(as_json: bool, status: str | None, grid: str | None, queue: str | None, as_user: str | None) -> None:
    """List tickets."""
    with session_scope() as session:
        actor = staff_by_username(session=session, username=as_user) if as_user else None
        codes = service.grid_codes(session=session)
        rows = [service.ticket_public(t, codes.get(t.grid_id)) for t in
                service.list_tickets(session=session, actor=actor, status=status, grid=grid, queue=queue)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("没有工单。")
    for r in rows:
        click.echo(f"{r['number']}  {r['status']:<12} {r['kind']:<16} {r['category'] or '-':<10} {r['grid'] or '-':<6} {r['text'][:30]}")


@tickets.command("show")
@click.argument("number")
@click.option("--as", "as_user", default=None, help="As this staff member (checks their scope).")
@_fail_clearly
def show_cmd(number: str, as_user: str | None) -> None:
    """Show one ticket with its timeline and what the --as user may do with it, as JSON."""
    with session_scope() as session:
        actor = staff_by_username(session=session, username=as_user) if as_user else None
        ticket = service.get_ticket(session=session, actor=actor, number=number)
        out = service.ticket_public(ticket, service.grid_codes(session=session).get(ticket.grid_id))
        out["timeline"] = [service.event_public(e) for e in service.timeline(session=session, ticket=ticket)]
        if actor is not None:
            out["available_actions"] = service.available_actions(ticket=ticket, actor=actor)
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


def _transition(name: str, help_text: str, *options: Callable) -> Callable:
    """A workflow command: NUMBER --as USERNAME plus the action's own options, run through the service."""

    def register(body: Callable) -> Callable:
        @click.argument("number")
        @click.option("--as", "as_user", required=True, help="The staff member doing it (username).")
        @_fail_clearly
        def command(number: str, as_user: str, **kwargs) -> None:
            with session_scope() as session:
                actor = staff_by_username(session=session, username=as_user)
                ticket = service.get_ticket(session=session, actor=actor, number=number)
                body(session=session, actor=actor, ticket=ticket, **kwargs)
                click.echo(f"{ticket.number} → {ticket.status}")

        command.__doc__ = help_text
        for option in reversed(options):
            command = option(command)
        return tickets.command(name)(command)

    return register


def _staff_id(session, username: str | None) -> int | None:
    return staff_by_username(session=session, username=username).id if username else None


@_transition("review", "初审: accept, or --reject with --reason.",
             click.option("--reject", is_flag=True), click.option("--reason", default=None))
def review_cmd(*, session, actor, ticket, reject: bool, reason: str | None) -> None:
    service.review(session=session, actor=actor, ticket=ticket, accept=not reject, reason=reason)


@_transition("dispatch", "派单 to a person (--to USERNAME) or a department (--dept CODE).",
             click.option("--to", "to_user", default=None), click.option("--dept", default=None),
             click.option("--deadline", default=None, help="An earlier deadline, ISO time (Beijing if no zone)."))
def dispatch_cmd(*, session, actor, ticket, to_user: str | None, dept: str | None, deadline: str | None) -> None:
    service.dispatch(session=session, actor=actor, ticket=ticket, handler_id=_staff_id(session, to_user),
                     department_id=_department_id(session, dept), deadline_at=_when(deadline))


@_transition("accept", "The handler starts 办理.")
def accept_cmd(*, session, actor, ticket) -> None:
    service.accept(session=session, actor=actor, ticket=ticket)


@_transition("resolve", "办结, with what was done.", click.option("--resolution", required=True))
def resolve_cmd(*, session, actor, ticket, resolution: str) -> None:
    service.resolve(session=session, actor=actor, ticket=ticket, resolution=resolution)


@_transition("return", "退单 to the dispatcher, with a reason.", click.option("--reason", required=True))
def return_cmd(*, session, actor, ticket, reason: str) -> None:
    service.return_ticket(session=session, actor=actor, ticket=ticket, reason=reason)


@_transition("reassign", "改派 to another person or department, with a reason.",
             click.option("--to", "to_user", default=None), click.option("--dept", default=None),
             click.option("--reason", required=True))
def reassign_cmd(*, session, actor, ticket, to_user: str | None, dept: str | None, reason: str) -> None:
    service.reassign(session=session, actor=actor, ticket=ticket, handler_id=_staff_id(session, to_user),
                     department_id=_department_id(session, dept), reason=reason)


@_transition("extend", "延期 to --until (or by --days), approved by --approver.",
             click.option("--until", default=None), click.option("--days", type=float, default=None),
             click.option("--reason", required=True), click.option("--approver", required=True))
def extend_cmd(*, session, actor, ticket, until: str | None, days: float | None, reason: str, approver: str) -> None:
    if (until is None) == (days is None):
        raise click.UsageError("请给出 --until 或 --days 之一")
    # --days counts from the deadline, or from now when the ticket is already late: an overdue case extended
    # "by 2 days" from a deadline that has passed would still be overdue (and the service refuses it)
    now = utcnow()
    new = _when(until) if until else max(ticket.deadline_at or now, now) + timedelta(days=days)
    service.extend(session=session, actor=actor, ticket=ticket, until=new, reason=reason,
                   approver_id=_staff_id(session, approver))


@_transition("close", "Close after the survey (巡办分离 applies).", click.option("--reason", default=None))
def close_cmd(*, session, actor, ticket, reason: str | None) -> None:
    service.close(session=session, actor=actor, ticket=ticket, reason=reason)


@_transition("reopen", "重新办理, with a reason.", click.option("--reason", required=True))
def reopen_cmd(*, session, actor, ticket, reason: str) -> None:
    service.reopen(session=session, actor=actor, ticket=ticket, reason=reason)


@tickets.command("survey")
@click.argument("number")
@click.option("--resolved/--unresolved", required=True, help="The resident's answer to 「问题解决了吗」.")
@click.option("--satisfaction", type=click.IntRange(1, 5), default=None)
@_fail_clearly
def survey_cmd(number: str, resolved: bool, satisfaction: int | None) -> None:
    """Record a 回访 answer taken by phone (closes, or reopens when unresolved or unsatisfied)."""
    with session_scope() as session:
        ticket = service.get_ticket(session=session, actor=None, number=number)
        service.record_survey(session=session, ticket=ticket, resolved=resolved, satisfaction=satisfaction)
        click.echo(f"{ticket.number} → {ticket.status}")


@tickets.command("escalate")
def escalate_cmd() -> None:
    """Run 督办 now: raise overdue tickets to the next level (the scheduler does this on a timer)."""
    with session_scope() as session:
        for ticket, level in service.escalate_overdue(session=session, now=utcnow()):
            click.echo(f"{ticket.number} 督办级别 {level}")
