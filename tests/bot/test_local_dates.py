"""Dates residents and staff see or are judged by are Beijing dates, though every timestamp is stored in UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone

from bot.dialogue import default_dialogue
from bot.inbound import Inbound
from knowledge_base import service

ANSWER = "2026年度的补贴申请请在12月31日前交到社区。"


def ask(session, text: str, now: datetime, msg_id: str):
    inbound = Inbound(channel="web", user_id="oNewYear", msg_type="text", text=text, msg_id=msg_id)
    reply = default_dialogue().respond(session=session, inbound=inbound, now=now)
    session.commit()
    return reply


def test_an_entry_valid_until_31_december_is_not_answered_at_seven_on_new_years_morning(session):
    service.create_entry(session, code="Y1", question="2026年度取暖补贴怎么申请？", answer=ANSWER,
                         keywords=["取暖补贴"], effective_from=date(2026, 1, 1), effective_until=date(2026, 12, 31))
    session.commit()
    # 23:00 on 31 December in Beijing (15:00 UTC): still valid
    evening = ask(session, "2026年度取暖补贴怎么申请？", datetime(2026, 12, 31, 15, 0, tzinfo=timezone.utc), "m1")
    assert evening.meta["faq"] == "Y1" and ANSWER in evening.text
    # 07:00 on 1 January in Beijing is still 31 December in UTC (23:00): the entry has expired all the same
    morning = ask(session, "2026年度取暖补贴怎么申请？", datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), "m2")
    assert morning.meta["faq"] is None and ANSWER not in morning.text
