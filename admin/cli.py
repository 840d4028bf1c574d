"""`linli staff`: create staff accounts, set passwords and list who may log in to the admin page."""

from __future__ import annotations

import click

from bot.org.models import ROLES


@click.group()
def staff() -> None:
    """Staff accounts for the admin page (工作台)."""


@staff.command("create")
@click.argument("username")
@click.option("--name", "display_name", help="Display name (姓名); defaults to the username.")
@click.option("--role", type=click.Choice(sorted(ROLES)), default="grid_worker", show_default=True)
@click.option("--grid", "grid_code", help="Grid code (e.g. G01) for 网格员/网格长.")
@click.password_option(help="The password (asked twice when not given).")
def create(username: str, display_name: str | None, role: str, grid_code: str | None, password: str) -> None:
    """Create a staff account."""
    from sqlalchemy import select

    from admin import crud
    from bot.db import session_scope
    from bot.org.models import Grid

    with session_scope() as session:
        if crud.staff_by_username(session=session, username=username):
            raise click.ClickException(f"{username} already exists")
        grid_id = None
        if grid_code:
            grid_id = session.execute(select(Grid.id).where(Grid.code == grid_code)).scalar()
            if grid_id is None:
                raise click.ClickException(f"no grid {grid_code}")
        crud.create_staff(session=session, username=username, display_name=display_name or username, role=role,
                          password=password, grid_id=grid_id)
        crud.audit(session=session, staff=None, username="cli", action="staff.create", target=f"staff:{username}")
    click.echo(f"created {username} ({ROLES[role]})")


@staff.command("password")
@click.argument("username")
@click.password_option()
def password(username: str, password: str) -> None:
    """Set a new password (this also lifts a lockout)."""
    from admin import crud
    from bot.db import session_scope

    with session_scope() as session:
        row = crud.staff_by_username(session=session, username=username)
        if row is None:
            raise click.ClickException(f"no staff member {username}")
        crud.set_password(session=session, staff=row, password=password)
        crud.audit(session=session, staff=None, username="cli", action="staff.password", target=f"staff:{username}")
    click.echo(f"password set for {username}")


@staff.command("list")
def list_cmd() -> None:
    """Show every account with role, grid and lock state."""
    from admin import crud
    from bot.db import session_scope
    from bot.models import utcnow

    with session_scope() as session:
        now = utcnow()
        for s in crud.list_staff(session=session):
            state = "locked" if s.locked_until and s.locked_until > now else ("active" if s.active else "disabled")
            has_pw = "password" if s.password_hash else "no password"
            click.echo(f"{s.username:<14} {ROLES.get(s.role, s.role):<8} grid={s.grid_id or '-':<4} {state:<8} {has_pw}  "
                       f"{s.display_name}")
