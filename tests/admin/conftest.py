"""Admin fixtures: the full app on a migrated database with the demo organisation, and logged-in clients."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from admin.security import hash_password
from bot.demo import DEMO_PASSWORD, seed
from bot.gateway import create_app


@lru_cache
def demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)


@pytest.fixture
def seeded(engine):
    with Session(engine) as s:
        seed(s, password_hash=demo_hash())
        s.commit()
    return engine


@pytest.fixture
def app(settings, seeded):
    return create_app(settings)


@pytest.fixture
def anon(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf token in page"
    return m.group(1)


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD):
    page = client.get("/admin/login")
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_of(page.text), "next": "/admin/"})


class Staff:
    """A logged-in client plus the page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = csrf_of(client.get("/admin/org/care").text)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf}, **kw)


def _logged_in(app, username: str):
    client = TestClient(app, follow_redirects=False)
    client.__enter__()
    r = login(client, username)
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def admin(app):
    client = _logged_in(app, "admin")
    yield Staff(client)
    client.__exit__(None, None, None)


@pytest.fixture
def grid1(app):
    client = _logged_in(app, "grid1")
    yield Staff(client)
    client.__exit__(None, None, None)
