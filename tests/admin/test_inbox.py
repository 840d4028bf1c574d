"""The escalated chats inbox: a resident asks for a person, staff claim, reply (outbox or web chat) and close."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from admin.models import AuditLog
from bot.models import ChatMessage, Conversation, Outbox, utcnow
from bot.org.models import Resident


def ask_for_a_person(app, user="web-resident-0001"):
    with TestClient(app) as c:
        r = c.post("/api/messages", json={"user": user, "text": "人工"})
        assert r.status_code == 200 and r.json()["meta"]["handoff"]
    return user


def conversation(engine, user) -> Conversation:
    with Session(engine) as s:
        return s.execute(select(Conversation).where(Conversation.user_id == user)).scalar_one()


def test_waiting_chat_appears_in_the_polled_list(app, admin, engine):
    user = ask_for_a_person(app)
    r = admin.get("/admin/inbox/list")
    assert r.status_code == 200 and user[:14] in r.text and "等待接待" in r.text
    assert ">1<" in admin.get("/admin/inbox/count").text


def test_web_chat_reply_is_shown_to_the_resident(app, admin, engine):
    user = ask_for_a_person(app)
    conv = conversation(engine, user)
    assert admin.post(f"/admin/inbox/{conv.id}/claim").status_code == 303
    assert "接待中" in admin.get(f"/admin/inbox/{conv.id}").text
    assert admin.post(f"/admin/inbox/{conv.id}/reply", {"text": "您好，我是网格员小王。"}).status_code == 303
    with TestClient(app) as c:
        data = c.get("/chat/messages", params={"user": user}).json()
    staff = [m for m in data["messages"] if m["author"] == "staff"]
    assert staff[0]["text"] == "您好，我是网格员小王。" and data["handoff"] == "claimed"
    with Session(engine) as s:
        assert s.execute(select(Outbox)).first() is None  # the web chat has no outbox sender
        assert s.execute(select(AuditLog).where(AuditLog.action == "chat.reply")).scalar_one()
    assert admin.post(f"/admin/inbox/{conv.id}/close").status_code == 303
    assert conversation(engine, user).handoff is None


def _wechat_conversation(engine, *, hours_ago: float, openid="oWechatResident01") -> int:
    with Session(engine) as s:
        conv = Conversation(channel="wechat", user_id=openid, data={}, handoff="waiting", handoff_reason="居民要求人工",
                            last_inbound_at=utcnow() - timedelta(hours=hours_ago))
        s.add(conv)
        s.flush()
        s.add(ChatMessage(conversation_id=conv.id, direction="in", author="resident", text="我要找人工",
                          meta={"classification": {"intent": "human", "category": None, "confidence": 0.91,
                                                   "evidence": [{"rule": "human", "matched": "人工"}]}}))
        s.commit()
        return conv.id


def test_wechat_reply_goes_out_through_the_outbox_and_is_logged(admin, engine):
    conv_id = _wechat_conversation(engine, hours_ago=1)
    page = admin.get(f"/admin/inbox/{conv_id}").text
    assert "分类依据" in page and "human" in page and "回复窗口：开放" in page
    admin.post(f"/admin/inbox/{conv_id}/reply", {"text": "已收到，马上处理"})
    with Session(engine) as s:
        msg = s.execute(select(ChatMessage).where(ChatMessage.author == "staff:admin")).scalar_one()
        out = s.execute(select(Outbox)).scalar_one()
        conv = s.get(Conversation, conv_id)
    assert out.idempotency_key == f"staff-reply:{msg.id}" and out.kind == "customer_service"
    assert out.recipient == "oWechatResident01" and out.payload == {"msgtype": "text", "text": "已收到，马上处理"}
    assert conv.handoff == "claimed"  # replying to a waiting chat claims it


def test_closed_48_hour_window_refuses_the_reply(admin, engine):
    conv_id = _wechat_conversation(engine, hours_ago=49)
    assert "回复窗口：已关闭" in admin.get(f"/admin/inbox/{conv_id}").text
    r = admin.post(f"/admin/inbox/{conv_id}/reply", {"text": "还在吗"})
    assert r.headers["location"].endswith("error=window")
    with Session(engine) as s:
        assert s.execute(select(Outbox)).first() is None


def test_grid_worker_sees_only_chats_of_their_own_grid(admin, grid1, engine):
    conv_id = _wechat_conversation(engine, hours_ago=1, openid="oDemoResident004")  # bound to grid G04
    assert grid1.get(f"/admin/inbox/{conv_id}").status_code == 403
    assert "oDemoResident0" not in grid1.get("/admin/inbox/list").text
    assert admin.get(f"/admin/inbox/{conv_id}").status_code == 200
    with Session(engine) as s:
        assert s.execute(select(Resident).where(Resident.openid == "oDemoResident004")).scalar_one().grid_id == 4


def test_new_messages_are_appended_by_polling(app, admin, engine):
    user = ask_for_a_person(app, "web-resident-0002")
    conv = conversation(engine, user)
    first = admin.get(f"/admin/inbox/{conv.id}/messages?after=0").text
    assert "人工" in first and f"/admin/inbox/{conv.id}/messages?after=" in first


def test_canned_replies_are_editable(admin):
    admin.post("/admin/canned", {"title": "电话", "text": "请拨打 12345"})
    assert "请拨打 12345" in admin.get("/admin/canned").text


def test_wechat_resident_asks_for_a_person_and_gets_the_reply_by_outbox(settings, seeded, admin, engine):
    """Through the real WeChat callback (safe mode, the platform stand-in) rather than the JSON channel."""
    from bot.gateway import create_app
    from tests.wechat_platform import AES_KEY, APPID, TOKEN, Platform

    gw = settings.model_copy(update={"wechat_token": TOKEN, "wechat_aes_key": AES_KEY, "wechat_appid": APPID})
    with TestClient(create_app(gw)) as client:
        reply = Platform(client, safe=True).say("人工", user="oWechatHandoff01")
    assert "人工" in reply
    conv_id = conversation(engine, "oWechatHandoff01").id
    assert "oWechatHandoff01"[:14] in admin.get("/admin/inbox/list").text
    admin.post(f"/admin/inbox/{conv_id}/claim")
    admin.post(f"/admin/inbox/{conv_id}/reply", {"text": "您好，请讲。"})
    with Session(engine) as s:
        out = s.execute(select(Outbox).where(Outbox.recipient == "oWechatHandoff01")).scalar_one()
    assert out.channel == "wechat" and out.payload["text"] == "您好，请讲。"
