"""Imports every table module so `metadata` (used by Alembic) knows all tables."""

from sqlmodel import SQLModel

import admin.models  # noqa: F401
import bot.models  # noqa: F401
import bot.org.models  # noqa: F401
import bot.tickets.models  # noqa: F401
import bot.scheduling.models  # noqa: F401
import knowledge_base.models  # noqa: F401

metadata = SQLModel.metadata
