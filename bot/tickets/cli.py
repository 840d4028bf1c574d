"""`linli tickets`: list and show tickets from the database named by LINLI_DATABASE_URL."""

from __future__ import annotations

import json

import click

from bot.db import session_scope
from bot.tickets import service


@click.group()
def tickets() -> None:
    """Tickets (工单): list and show."""


@tickets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--status", default=None, help="Only this status, e.g. submitted, in_progress.")
@click.option("--grid", default=None, help="Only this grid code, e.g. G01.")
def list_cmd(as_json: bool, status: str | None, grid: str | None) -> None:
    """List tickets."""
    with session_scope() as session:
        codes = service.grid_codes(session=session)
        rows = [service.ticket_public(t, codes.get(t.grid_id)) for t in
                service.list_tickets(session=session, status=status, grid=grid)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("没有工单。")
    for r in rows:
        click.echo(f"{r['number']}  {r['status']:<12} {r['kind']:<16} {r['category'] or '-':<10} {r['grid'] or '-':<6} {r['text'][:30]}")


@tickets.command("show")
@click.argument("number")
def show_cmd(number: str) -> None:
    """Show one ticket as JSON."""
    with session_scope() as session:
        found = [t for t in service.list_tickets(session=session) if t.number == number]
        if not found:
            raise click.ClickException(f"no ticket numbered {number}")
        codes = service.grid_codes(session=session)
        click.echo(json.dumps(service.ticket_public(found[0], codes.get(found[0].grid_id)), ensure_ascii=False, indent=2))
