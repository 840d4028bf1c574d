"""Ticket and organisation errors: each carries a Chinese message that staff and residents can read."""


class TicketError(Exception):
    """Base of every refusal by the ticket or organisation service."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(TicketError):
    """The actor may not see or do this (scope, role, or 巡办分离)."""


class NotFound(TicketError):
    """No such ticket, staff member, resident or building (or not visible to the actor)."""


class InvalidTransition(TicketError):
    """The action is not allowed from the ticket's current state, or its arguments are missing."""
