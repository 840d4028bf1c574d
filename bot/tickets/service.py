"""Ticket service: the one layer through which tickets are created and changed."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from bot.models import utcnow
from bot.org.models import Grid
from bot.tickets.models import Ticket


def create_ticket(
    *,
    session: Session,
    kind: str,
    text: str,
    resident: str | None,
    channel: str | None = None,
    category: str | None = None,
    department: str | None = None,
    grid_id: int | None = None,
    urgency: str = "normal",
) -> Ticket:
    """Store a new ticket in 受理 (submitted) and give it a number of the form YYMMDD-NNNNN."""
    ticket = Ticket(
        number=f"tmp-{utcnow().timestamp()}-{id(text)}",
        kind=kind,
        text=text,
        resident=resident,
        channel=channel,
        category=category,
        department=department,
        grid_id=grid_id,
        urgency=urgency,
    )
    session.add(ticket)
    session.flush()
    ticket.number = f"{ticket.created_at:%y%m%d}-{ticket.id:05d}"
    session.flush()
    return ticket


def tickets_of_resident(*, session: Session, resident: str, limit: int = 10) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.resident == resident).order_by(Ticket.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def list_tickets(*, session: Session, status: str | None = None, grid: str | None = None) -> list[Ticket]:
    """Tickets in number order, optionally only one status and one grid (by grid code)."""
    stmt = select(Ticket).order_by(Ticket.id)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if grid:
        stmt = stmt.join(Grid, Grid.id == Ticket.grid_id).where(Grid.code == grid)
    return list(session.execute(stmt).scalars())


def grid_codes(*, session: Session) -> dict[int, str]:
    return dict(session.execute(select(Grid.id, Grid.code)).all())


def ticket_public(ticket: Ticket, grid_code: str | None) -> dict:
    """The JSON shape of a ticket for the command line and integrations."""
    return {
        "number": ticket.number,
        "status": ticket.status,
        "kind": ticket.kind,
        "category": ticket.category,
        "department": ticket.department,
        "urgency": ticket.urgency,
        "resident": ticket.resident,
        "grid": grid_code,
        "text": ticket.text,
        "deadline_at": ticket.deadline_at.isoformat() if ticket.deadline_at else None,
        "created_at": ticket.created_at.isoformat(),
    }
