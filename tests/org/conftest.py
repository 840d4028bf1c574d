"""Organisation fixtures: the same seeded demo street as the ticket tests."""

from tests.tickets.conftest import org  # noqa: F401
