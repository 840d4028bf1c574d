"""连心树: after an anonymous opinion goes through the gateway, nothing in the database ties it to its sender."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import inspect, select, text

from bot.models import Conversation
from bot.tickets.models import AnonymousOpinion
from tests.tickets.test_dialogue import Chat

OPENID = "oResident001"
OPINION = "希望社区多关心一下独居老人，某某干部态度很差"


def where_found(session, needle: str) -> set[tuple[str, str]]:
    """Every (table, column) of every table whose value contains `needle` (JSON searched as text)."""
    found = set()
    conn = session.connection()
    for table in inspect(conn).get_table_names():
        for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
            for column, value in row.items():
                shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
                if needle in shown:
                    found.add((table, column))
    session.commit()  # let go of the (SQLite) write lock before the gateway needs it
    return found


@pytest.fixture
def sent(org, safe):
    """A resident who has chatted before (so the gateway knows their openid) sends an anonymous opinion."""
    chat = Chat(safe, org.session, user=OPENID)
    chat.say("查询")
    before = where_found(org.session, OPENID)
    assert "连心树" in chat.say("连心树")
    assert "匿名提交" in chat.say(OPINION)
    org.session.commit()
    return before


def test_the_opinion_is_stored_with_no_sender_and_only_the_day(org, sent):
    [row] = org.session.execute(select(AnonymousOpinion)).scalars().all()
    assert row.text == OPINION and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.day)
    assert set(AnonymousOpinion.model_fields) == {"id", "text", "category", "community_id", "day", "status", "reply"}
    assert not {t for t, _ in where_found(org.session, OPENID)} & {"anonymous_opinion"}
    assert not {t for t, _ in where_found(org.session, OPINION)} & {"ticket", "ticket_event", "outbox", "conversation",
                                                               "resident", "processed_message"}
    conv = org.session.execute(select(Conversation).where(Conversation.user_id == OPENID)).scalar_one()
    assert conv.state is None and "flow" not in conv.data
    assert where_found(org.session, OPENID) == sent  # the openid is in no new place


def test_the_chat_log_and_dedupe_rows_keep_nothing_of_an_anonymous_turn(org, sent):
    assert where_found(org.session, OPINION) == {("anonymous_opinion", "text")}
    assert not where_found(org.session, "连心树") - {("anonymous_opinion", "text")}
    replies = org.session.execute(text("SELECT reply FROM processed_message")).scalars().all()
    assert not any("匿名" in json.dumps(r, ensure_ascii=False) for r in replies)


def test_a_late_anonymous_reply_leaves_no_outbox_row_naming_the_sender(org, db_url):
    import time

    from fastapi.testclient import TestClient

    from bot.config import Settings
    from bot.gateway import create_app
    from bot.models import Outbox
    from tests.wechat_platform import AES_KEY, APPID, TOKEN, Platform, message_xml

    hurried = Settings(env="test", database_url=db_url, wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_appid=APPID,
                       reply_budget_seconds=0.0001, _env_file=None)
    org.session.commit()
    with TestClient(create_app(hurried)) as client:
        wechat = Platform(client, safe=False)
        for said in ("连心树", OPINION):
            wechat.post(message_xml("text", user=OPENID, Content=said))
            time.sleep(0.5)
        for _ in range(50):
            if org.session.execute(select(AnonymousOpinion)).first():
                break
            org.session.commit()
            time.sleep(0.1)
    org.session.commit()
    assert org.session.execute(select(AnonymousOpinion)).first()
    assert org.session.execute(select(Outbox).where(Outbox.recipient == OPENID)).first() is None
