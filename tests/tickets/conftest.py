"""Ticket fixtures: the demo organisation on a real database, and the gateway fixtures of tests/bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlmodel import Session

from bot import demo
from bot.org.models import Building, Department, Grid, Staff
from bot.tickets import service
from bot.config import Settings
from tests.bot.conftest import client, plain, safe  # noqa: F401  (fixtures reused)
from tests.wechat_platform import AES_KEY, APPID, CORP_ID, TOKEN

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


@dataclass
class Org:
    """The seeded demo street, looked up by the names people use."""

    session: Session

    def staff(self, username: str) -> Staff:
        return self.session.execute(select(Staff).where(Staff.username == username)).scalar_one()

    def grid(self, code: str) -> Grid:
        return self.session.execute(select(Grid).where(Grid.code == code)).scalar_one()

    def building(self, name: str) -> Building:
        return self.session.execute(select(Building).where(Building.name == name)).scalar_one()

    def department(self, code: str) -> Department:
        return self.session.execute(select(Department).where(Department.code == code)).scalar_one()

    def ticket(self, *, building: str = "1号楼", text: str = "楼道灯坏了，晚上很黑", category: str | None = "路灯照明",
               kind: str = "complaint", resident: str | None = "oResident001", now: datetime = T0, **kw):
        return service.create_ticket(session=self.session, kind=kind, text=text, resident=resident, channel="wechat",
                                     category=category, building_id=self.building(building).id, now=now, **kw)


@pytest.fixture(scope="session")
def _warm_classifier() -> None:
    """Load the classifier's rules once (≈3 s cold), so the first message is not judged on start-up time."""
    import intents

    intents.classify("预热")


@pytest.fixture
def gw_settings(db_url: str, _warm_classifier) -> Settings:
    """As in tests/bot, with a reply budget that a slow CI machine cannot miss (we test dialogue, not latency)."""
    return Settings(env="test", database_url=db_url, wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_appid=APPID,
                    wecom_token=TOKEN, wecom_aes_key=AES_KEY, wecom_corp_id=CORP_ID, reply_budget_seconds=30,
                    _env_file=None)


@pytest.fixture
def org(session: Session) -> Org:
    demo.seed(session)
    session.commit()
    return Org(session)
