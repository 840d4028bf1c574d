"""The survey (回访) dialogue: 1/2 solved?, then satisfaction 1–5, then the ticket service records the outcome."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.engine import Turn
from bot.inbound import Reply
from bot.scheduling.models import Survey

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_FULLWIDTH = str.maketrans("１２３４５", "12345")
RESOLVED_WORDS = {"1": True, "已解决": True, "解决了": True, "解决": True, "是": True, "好了": True, "已经解决": True,
                  "2": False, "未解决": False, "没解决": False, "没有解决": False, "否": False, "还没解决": False,
                  "没有": False, "还没有": False}
SATISFACTION_WORDS = {"非常满意": 5, "很满意": 5, "满意": 5, "基本满意": 3, "一般": 3, "不满意": 1, "很不满意": 1,
                      "非常不满意": 1}
ASK_SATISFACTION = "感谢反馈！请为本次办理打分：回复 1–5（5 为最满意），或回复 满意 / 基本满意 / 不满意"
THANKS_CLOSED = "感谢您的评价！工单 {number} 已办结归档。"
SORRY_REOPENED = "很抱歉没有让您满意。工单 {number} 已重新交办，我们会尽快处理并再次回访。"
THANKS = "感谢您的反馈！"


def _clean(text: str) -> str:
    return _PUNCT.sub("", text.translate(_FULLWIDTH))


def parse_resolved(text: str) -> bool | None:
    """「1」「已解决」「1 已解决」 → True, 「2」「未解决」 → False, anything else → None."""
    word = _clean(text)
    if word in RESOLVED_WORDS:
        return RESOLVED_WORDS[word]
    if word[:1] in ("1", "2") and RESOLVED_WORDS.get(word[1:]) == (word[0] == "1"):
        return word[0] == "1"
    return None


def parse_satisfaction(text: str) -> int | None:
    """1–5, or 满意 (5) / 基本满意 (3) / 不满意 (1)."""
    word = _clean(text)
    if word in ("1", "2", "3", "4", "5"):
        return int(word)
    for suffix in ("分", "星"):
        if word.endswith(suffix) and word[:-1] in ("1", "2", "3", "4", "5"):
            return int(word[:-1])
    return SATISFACTION_WORDS.get(word)


class SurveyFlow:
    """Group 0 handler for conversations in state "survey" (opened by the scheduler's survey job)."""

    name = "survey"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != "survey" or not turn.text:
            return None
        step = turn.flow_data.get("step", "resolved")
        answer = parse_resolved(turn.text) if step == "resolved" else parse_satisfaction(turn.text)
        return None if answer is None else (step, answer)

    def handle(self, turn: Turn, match: Any) -> Reply:
        step, answer = match
        flow = turn.flow_data
        survey = turn.session.get(Survey, flow.get("survey_id"))
        if survey is None or survey.status not in ("asked", "reminded"):
            turn.set_state(None)
            return Reply(text=THANKS)
        if step == "resolved":
            survey.answers = {**(survey.answers or {}), "resolved": answer, "resolved_text": turn.text}
            turn.session.add(survey)
            turn.set_state("survey", **{**flow, "step": "satisfaction", "resolved": answer})
            return Reply(text=ASK_SATISFACTION, meta={"survey": survey.number})
        return self._finish(turn, survey, resolved=bool(flow.get("resolved")), satisfaction=answer)

    @staticmethod
    def _finish(turn: Turn, survey: Survey, *, resolved: bool, satisfaction: int) -> Reply:
        from bot.tickets import service as tickets
        from bot.tickets.errors import TicketError
        from bot.tickets.models import Ticket

        turn.set_state(None)
        survey.status, survey.answered_at = "answered", turn.now
        survey.resolved, survey.satisfaction = resolved, satisfaction
        survey.answers = {**(survey.answers or {}), "satisfaction": satisfaction, "satisfaction_text": turn.text}
        turn.session.add(survey)
        ticket = turn.session.get(Ticket, survey.ticket_id)
        try:
            with turn.session.begin_nested():
                tickets.record_survey(session=turn.session, ticket=ticket, resolved=resolved, satisfaction=satisfaction,
                                      now=turn.now)
        except TicketError:
            return Reply(text=THANKS, meta={"survey": survey.number})  # staff closed or reopened it meanwhile
        reopened = not resolved or satisfaction <= 2
        text = (SORRY_REOPENED if reopened else THANKS_CLOSED).format(number=survey.number)
        return Reply(text=text, meta={"survey": survey.number, "reopened": reopened})
