"""Gateway fixtures: an app on a real database, with the test platform's token and keys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.gateway import create_app
from tests.wechat_platform import AES_KEY, APPID, CORP_ID, TOKEN, Platform


@pytest.fixture
def gw_settings(db_url: str) -> Settings:
    return Settings(env="test", database_url=db_url, wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_appid=APPID,
                    wecom_token=TOKEN, wecom_aes_key=AES_KEY, wecom_corp_id=CORP_ID, _env_file=None,
                    # a busy CI machine must not turn answers into deferred ones; the budget has its own tests
                    reply_budget_seconds=30)


@pytest.fixture
def client(gw_settings: Settings):
    with TestClient(create_app(gw_settings)) as c:
        yield c


@pytest.fixture
def safe(client) -> Platform:
    return Platform(client, safe=True)


@pytest.fixture
def plain(client) -> Platform:
    return Platform(client, safe=False)


@pytest.fixture
def wecom(client) -> Platform:
    return Platform(client, path="/wecom", wecom=True)
