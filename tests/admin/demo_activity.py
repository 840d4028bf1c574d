"""Invented activity for the browser tests and screenshots: tickets in every state and a waiting WeChat chat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from bot.models import ChatMessage, Conversation, utcnow
from bot.org.models import Staff
from bot.tickets import service

TEXTS = [
    (1, "3号楼门口路灯坏了好几天，晚上很黑", "路灯与公共设施", 0),
    (1, "楼道里堆满了杂物，堵住了消防通道", "消防安全", 0),
    (2, "小区垃圾桶满了没人清运，味道很大", "环境卫生", 0),
    (2, "楼上装修噪音太大，中午也不停", "噪音扰民", 1),
    (3, "5号楼电梯又坏了，老人上下楼很困难", "电梯", 2),
    (4, "路灯不亮，路面坑洼，晚上走路危险", "路灯与公共设施", 3),
    (5, "小区门口有人占道经营，车过不去", "占道经营", 9),
    (6, "家里下水道堵了，物业一直不来修", "物业管理", 10),
]


def _staff(session: Session, username: str) -> Staff:
    return session.execute(select(Staff).where(Staff.username == username)).scalar_one()


def create(engine) -> dict[str, str]:
    """Returns the ticket numbers by role in the story: fresh (grid 1), other_grid (grid 2)."""
    now = utcnow()
    numbers = []
    with Session(engine) as s:
        for grid_id, text, category, days in TEXTS:
            t = service.create_ticket(session=s, kind="complaint", text=text, resident=f"oDemo{grid_id}{days}",
                                      channel="wechat", category=category, grid_id=grid_id,
                                      now=now - timedelta(days=days, hours=1))
            numbers.append(t.number)
        admin, chief = _staff(s, "admin"), _staff(s, "chief2")
        for number in numbers[2:]:
            t = service.get_ticket(session=s, actor=admin, number=number)
            service.review(session=s, actor=admin, ticket=t, now=t.created_at + timedelta(minutes=40))
        for number, handler in ((numbers[4], "grid3"), (numbers[5], "grid4")):
            t = service.get_ticket(session=s, actor=admin, number=number)
            service.dispatch(session=s, actor=admin, ticket=t, handler_id=_staff(s, handler).id,
                             now=t.created_at + timedelta(hours=1))
        t = service.get_ticket(session=s, actor=admin, number=numbers[5])
        worker = _staff(s, "grid4")
        service.accept(session=s, actor=worker, ticket=t, now=t.created_at + timedelta(hours=2))
        service.resolve(session=s, actor=worker, ticket=t, resolution="已联系市政修复路灯并填平坑洼",
                        now=t.created_at + timedelta(days=1))
        service.record_survey(session=s, ticket=t, resolved=True, satisfaction=5, now=t.created_at + timedelta(days=2))
        conv = Conversation(channel="wechat", user_id="oDemoWechatResident9", data={}, handoff="waiting",
                            handoff_reason="置信度低，转人工", last_inbound_at=now - timedelta(minutes=5))
        s.add(conv)
        s.flush()
        s.add(ChatMessage(conversation_id=conv.id, direction="in", author="resident", text="我家老人的低保怎么续办，要去哪里",
                          created_at=now - timedelta(minutes=5),
                          meta={"classification": {"intent": "question", "category": "社会救助", "confidence": 0.41,
                                                   "evidence": [{"rule": "category.社会救助", "keyword": "低保",
                                                                 "weight": 2.0}]}}))
        s.add(ChatMessage(conversation_id=conv.id, direction="out", author="bot", created_at=now - timedelta(minutes=5),
                          text="已为您转接工作人员，请稍候。"))
        del chief
        phone = _survey_gone_unanswered(s, now)
        s.commit()
    return {"fresh": numbers[0], "other_grid": numbers[2], "phone": phone}


def _survey_gone_unanswered(s: Session, now) -> str:
    """A grid-1 ticket handled by a department, resolved four days ago, whose survey nobody answered: the scheduler
    has turned it into a phone task (电话回访) for the grid."""
    from bot.scheduling import jobs

    from bot.org.models import Resident

    start = now - timedelta(days=5)
    s.add(Resident(channel="wechat", openid="oDemoPhone1", name="刘春梅", phone="13900009901", grid_id=1, unit="2单元502"))
    t = service.create_ticket(session=s, kind="complaint", text="2号楼东侧的健身器材松动了，孩子玩很危险",
                              resident="oDemoPhone1", channel="wechat", category="路灯与公共设施", grid_id=1, now=start)
    admin, dept = _staff(s, "admin"), _staff(s, "dept1")
    service.review(session=s, actor=admin, ticket=t, now=start + timedelta(minutes=30))
    service.dispatch(session=s, actor=admin, ticket=t, handler_id=dept.id, now=start + timedelta(hours=1))
    service.accept(session=s, actor=dept, ticket=t, now=start + timedelta(hours=2))
    service.resolve(session=s, actor=dept, ticket=t, resolution="已紧固健身器材螺栓", now=start + timedelta(hours=20))
    jobs.survey_fanout(session=s, now=start + timedelta(hours=21))
    jobs.survey_followups(session=s, now=now)
    return t.number
