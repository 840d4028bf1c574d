"""The `linli` command line: every operator task (serve, chat, classify, faq, tickets, db, demo)."""

from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute"; loaded only when used so `linli classify` never imports FastAPI.
SUBCOMMANDS = {
    "serve": "bot.serve_cli:serve",
    "demo": "bot.serve_cli:demo",
    "db": "bot.serve_cli:db",
    "chat": "bot.chat_cli:chat",
    "classify": "intents.cli:classify",
    "faq": "knowledge_base.cli:faq",
    "tickets": "bot.tickets.cli:tickets",
    "scheduler": "bot.scheduling.cli:scheduler",
    "staff": "admin.cli:staff",
}


class LazyGroup(click.Group):
    """A click group whose subcommands live in other packages and are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of Linli is not installed in this build
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="linli")
def main() -> None:
    """邻里 Linli — a resident assistant for street offices and communities."""
    # for every subcommand that reads stdin (classify, faq ask, chat): a byte that is not UTF-8 is read as U+FFFD.
    # Python's default turns it into a lone surrogate, which no database, JSON or XML encoder takes
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")


if __name__ == "__main__":
    main()
