"""Scheduler fixtures: the WeChat/WeCom stand-in on a free port and settings that point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.scheduling.sender import Sender
from bot.scheduling.standin import StandIn, StandInState


@pytest.fixture
def standin() -> Iterator[StandIn]:
    server = StandIn(StandInState(seed=7)).start()
    yield server
    server.stop()


def settings_for(db_url: str, standin: StandIn, **extra) -> Settings:
    values = dict(env="test", database_url=db_url, wechat_api_base=standin.url, wecom_api_base=standin.url,
                  wecom_webhook_base=f"{standin.url}/cgi-bin/webhook/send", wechat_delivery_query=True,
                  outbox_retry_base_seconds=0.01, street_robot_key="street-key", quiet_hours="", _env_file=None)
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def sched_settings(db_url: str, standin: StandIn) -> Settings:
    return settings_for(db_url, standin)


@pytest.fixture
def sender(engine: Engine, sched_settings: Settings) -> Iterator[Sender]:
    s = Sender(engine=engine, settings=sched_settings, threads=4, seed=1)
    yield s
    s.close()


def drain(sender: Sender, now=None, rounds: int = 50) -> None:
    """Run the sender until nothing is due (retries are due again almost at once with the tiny test backoff)."""
    import time

    idle = 0
    for _ in range(rounds):
        if sender.run_once(now) == 0:
            idle += 1
            if idle >= 3:
                return
            time.sleep(0.05)
        else:
            idle = 0


@pytest.fixture
def org(session):
    """The demo street (tests/tickets' Org helper), each grid with its own robot key."""
    from sqlalchemy import select

    from bot import demo
    from bot.org.models import Grid
    from tests.tickets.conftest import Org

    demo.seed(session)
    for grid in session.execute(select(Grid)).scalars():
        grid.robot_key = f"key-{grid.code}"
    session.commit()
    return Org(session)
