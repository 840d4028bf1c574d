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


@pytest.mark.parametrize("said", ["我要匿名举报楼下有人群租", "物业乱收停车费，我想匿名反映一下", "匿名提个建议：小区多装几个充电桩"])
def test_asking_for_anonymity_with_the_opinion_in_the_same_message_submits_it_with_no_sender(org, safe, said):
    chat = Chat(safe, org.session, user=OPENID)
    chat.say("查询")
    before = where_found(org.session, OPENID)
    reply = chat.say(said)
    assert "匿名提交" in reply and "登记" in reply  # and it says how to have something followed up instead
    assert where_found(org.session, said) == {("anonymous_opinion", "text")}  # no ticket, no log, no conversation
    assert where_found(org.session, OPENID) == before
    assert chat.tickets() == []


def test_the_wish_alone_or_a_question_about_it_opens_the_anonymous_flow(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    assert "不会记录您的身份" in chat.say("我想匿名反映个事")
    assert "匿名提交" in chat.say("物业乱收停车费")
    assert "不会记录您的身份" in chat.say("匿名反映会被别人知道吗")
    assert "取消" in chat.say("取消")
    assert [row.text for row in org.session.execute(select(AnonymousOpinion)).scalars()] == ["物业乱收停车费"]


def test_an_anonymous_police_matter_still_goes_to_110_and_someone_elses_anonymous_text_is_no_wish(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    assert "110" in chat.say("我想匿名举报有人在小区里吸毒")
    assert "匿名提交" not in chat.say("收到一条匿名短信说我中奖了")
    assert org.session.execute(select(AnonymousOpinion)).scalars().all() == []


REPORT = "楼下烧烤店油烟太大了"


def _reported_to_the_summary(chat: Chat) -> None:
    chat.say("查询")
    chat.say(REPORT)
    chat.say("12号楼")
    assert "请确认" in chat.say("跳过")


def test_anonymity_asked_part_way_through_a_report_turns_it_into_an_opinion_and_forgets_the_telling(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    _reported_to_the_summary(chat)
    offer = chat.say("能匿名吗")
    assert "不能查询进度" in offer and "匿名提交" in offer and "实名" in offer
    assert "已改为匿名提交" in chat.say("匿名提交")
    [row] = org.session.execute(select(AnonymousOpinion)).scalars().all()
    assert row.text == REPORT + "（地点：和平社区 和平三网格 12号楼）" and row.category == "油烟与污染"
    assert row.community_id == org.grid("G03").community_id
    # the chat log, the replies kept for retries (the summary quoted the report) and the conversation hold none of it
    assert where_found(org.session, REPORT) == {("anonymous_opinion", "text")}
    conv = org.session.execute(select(Conversation).where(Conversation.user_id == OPENID)).scalar_one()
    assert conv.state is None and "flow" not in conv.data
    assert chat.tickets() == []


def test_keeping_the_name_after_the_offer_goes_back_to_the_report_and_confirm_alone_is_asked_again(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    _reported_to_the_summary(chat)
    assert "匿名提交" in chat.say("匿名")
    assert "匿名提交" in chat.say("能匿名吗")  # asked again while the offer stands (this was 「系统繁忙」)
    assert "匿名提交" in chat.say("确认")  # 确认 what? the choice cannot be undone, so it is asked again
    assert chat.tickets() == []
    again = chat.say("实名")
    assert "仍按实名登记" in again and "请确认要登记的事项" in again and REPORT in again
    assert "已记录" in chat.say("确认")
    [ticket] = chat.tickets()
    assert ticket.text == REPORT and ticket.resident == OPENID
    assert org.session.execute(select(AnonymousOpinion)).first() is None


def test_an_opinion_given_at_once_in_the_middle_of_a_report_leaves_the_report_where_it_was(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    _reported_to_the_summary(chat)
    reply = chat.say("我要匿名举报楼下有人群租")
    assert "匿名提交" in reply and "还在登记中" in reply and "请确认要登记的事项" in reply
    assert "已记录" in chat.say("确认")
    assert [t.text for t in chat.tickets()] == [REPORT]
    assert [o.text for o in org.session.execute(select(AnonymousOpinion)).scalars()] == ["我要匿名举报楼下有人群租"]


def test_an_emergency_sent_into_the_anonymous_flow_takes_the_emergency_path(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    chat.say("连心树")
    assert "119" in chat.say("楼道里着火了")
    assert org.session.execute(select(AnonymousOpinion)).first() is None
    assert [t.kind for t in chat.tickets()] == ["emergency"]


def test_both_matters_of_a_two_part_report_go_into_the_anonymous_opinion(org, safe):
    chat = Chat(safe, org.session, user=OPENID)
    chat.say("3号楼电梯坏了，而且楼道灯也不亮")
    chat.say("跳过")
    chat.say("匿名")
    chat.say("匿名提交")
    [row] = org.session.execute(select(AnonymousOpinion)).scalars().all()
    assert row.text == "3号楼电梯坏了；楼道灯也不亮（地点：和平社区 和平一网格 3号楼）"
    assert chat.tickets() == []
