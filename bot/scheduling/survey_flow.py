"""The survey (回访) dialogue: 1/2 solved?, then satisfaction 1–5, then the ticket service records the outcome."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.dialogue.engine import Turn
from bot.inbound import Reply, bare
from bot.scheduling.models import Survey

_FULLWIDTH = str.maketrans("１２３４５", "12345")
RESOLVED_WORDS = {"1": True, "已解决": True, "解决了": True, "解决": True, "是": True, "好了": True, "已经解决": True,
                  "是的": True, "对": True, "对的": True, "嗯": True, "嗯嗯": True, "解决啦": True,  # yes to 「解决了吗」
                  "2": False, "未解决": False, "没解决": False, "没有解决": False, "否": False, "还没解决": False,
                  "没有": False, "还没有": False, "没": False, "还没": False}
SATISFACTION_WORDS = {"非常满意": 5, "很满意": 5, "满意": 5, "基本满意": 3, "一般": 3, "不满意": 1, "很不满意": 1,
                      "非常不满意": 1}
ASK_SATISFACTION = "感谢反馈！请为本次办理打分：回复 1–5（5 为最满意），或回复 满意 / 基本满意 / 不满意"
THANKS_CLOSED = "感谢您的评价！工单 {number} 已办结归档。"
SORRY_REOPENED = "很抱歉没有让您满意。工单 {number} 已重新交办，我们会尽快处理并再次回访。"
THANKS = "感谢您的反馈！"
# a bare 「1」/「2」 after the resident left the survey for something else: it may answer another menu, so the
# survey is asked again, naming the ticket, rather than recorded (a 「2」 would reopen it)
ASK_AGAIN = "您是在回答编号{number}的回访吗？问题解决了吗？回复 1 已解决 / 2 未解决"
ASK_SATISFACTION_AGAIN = "您是在回答编号{number}的回访吗？" + ASK_SATISFACTION.removeprefix("感谢反馈！")
# words that can only answer a survey: what the resident says once they have left it is taken as its answer
# ... when short: a long message once the survey was left is a matter of its own (「物业服务太差，上次的事也没解决，
# 楼下又开始漏水了」 is a new report, not 未解决 for the survey's ticket)
LEFT_ANSWER_MAX = 15
_SURVEY_WORDS = re.compile(r"解决|修好|弄好|处理好|满意|好评|差评|^[1-5一二三四五]\s*(分|星|颗星)")


_CN_DIGITS = str.maketrans("一二三四五", "12345")
# what residents add around an answer: 「修好了，谢谢」, 「满意，辛苦了」, 「嗯，解决了」
_AROUND = re.compile(r"^(嗯|嗯嗯|哦|对|是的|好的|已经|算是|总算|终于|基本上?|差不多)?|"
                     r"(谢谢|谢谢你们|谢谢啦|多谢|感谢|辛苦了|辛苦|麻烦了|啦|了|的|啊|哈|呀|吧)*$")
# said in words: 「修好了」, 「弄好了」, 「没问题了」 / 「还没修」, 「还是不亮」, 「又坏了」, 「没人来」
_RESOLVED_SAID = re.compile(r"^(都|已经|已|早)?(解决|修好|弄好|处理好|搞定|好|通|亮|不漏|不吵)(了)?$|^(没问题|可以|行|ok)(了)?$")
_UNRESOLVED_SAID = re.compile(r"(没|没有|未|还没|还没有)(解决|修好|修|弄好|处理|人来|来人|管|好)|还是(不|没|老样子|一样)|"
                              r"又(坏|漏|不|堵|响)|还在(漏|响|吵|堵|滴)|根本没|没用|不行|"
                              r"没(看到|见到|看见|见)(人|有人|人来)|没人来过|谁来(修|弄|处理|过)")
# 「挺满意的」 5, 「还行」 4, 「一般般」 3, 「不太满意」 2, 「太差了」 1; 「垃圾」 only alone (「太垃圾了」), as a new
# report at this step (「小区门口垃圾没人清」) is no score (it was read as 1 and reopened the ticket)
_SATISFACTION_SAID = ((re.compile(r"^(不太|不怎么|不是很|不大)满意"), 2),
                      (re.compile(r"不满意|很差|太差|差评|极差|^(太|真|很|非常)?(垃圾|差|差劲|烂)$"), 1),
                      (re.compile(r"^(挺|蛮|特别|十分|比较|很|非常|超级)?(满意|好评)|点赞|点个赞|满分|^(10|十|100|一百)分$"), 5),
                      (re.compile(r"^(还行|还可以|可以|还不错|不错|挺好|很好|非常好|蛮好)"), 4),
                      (re.compile(r"^(一般|一般般|马马虎虎|凑合|还凑合)"), 3))


def _clean(text: str) -> str:
    return bare(text.translate(_FULLWIDTH))


def _core(word: str) -> str:
    """The answer without what is said around it (谢谢, 辛苦了, 嗯, 了)."""
    return _AROUND.sub("", word) or word


def parse_resolved(text: str) -> bool | None:
    """「1」「已解决」「1 已解决」「修好了，谢谢」 → True, 「2」「未解决」「还是不亮」「又坏了」 → False, else None."""
    word = _clean(text)
    if word in RESOLVED_WORDS:
        return RESOLVED_WORDS[word]
    if word[:1] in ("1", "2") and RESOLVED_WORDS.get(word[1:]) == (word[0] == "1"):
        return word[0] == "1"
    core = _core(word).lower()
    if core in RESOLVED_WORDS:
        return RESOLVED_WORDS[core]
    if _UNRESOLVED_SAID.search(core):
        return False
    if _RESOLVED_SAID.match(core):
        return True
    return None


def said_unresolved(text: str) -> bool:
    """「还是不亮」, 「根本没修好」, 「又坏了」: said in words that the problem is still there (not a bare 「没有」/「2」,
    which answer some question)."""
    core = _core(_clean(text)).lower()
    return len(core) >= 3 and bool(_UNRESOLVED_SAID.search(core))


def satisfaction_said(text: str) -> int | None:
    """A satisfaction said in words (「非常满意」, 「不满意」), not a bare digit: the answer to 「问题解决了吗」 as well,
    since being satisfied is being helped and 「不满意」 reopens the ticket whatever was solved."""
    return parse_satisfaction(text) if _SURVEY_WORDS.search(_clean(text)) else None


def parse_satisfaction(text: str) -> int | None:
    """1–5 (五星, 4分), or 满意 (5) / 基本满意 (3) / 不满意 (1), and the same said in more words: 挺满意的 5, 还行 4,
    一般般 3, 不太满意 2, 太差了 1."""
    word = _clean(text)
    if word in ("1", "2", "3", "4", "5"):
        return int(word)
    digits = word.translate(_CN_DIGITS)
    for suffix in ("分", "星", "颗星", "星好评"):
        if digits.endswith(suffix) and digits[:-len(suffix)] in ("1", "2", "3", "4", "5"):
            return int(digits[:-len(suffix)])
    if word in SATISFACTION_WORDS:
        return SATISFACTION_WORDS[word]
    core = _core(word)
    if core in SATISFACTION_WORDS:
        return SATISFACTION_WORDS[core]
    for pattern, score in _SATISFACTION_SAID:
        if pattern.search(core):
            return score
    return None


class SurveyFlow:
    """Group 0 handler for conversations in state "survey" (opened by the scheduler's survey job)."""

    name = "survey"

    def check(self, turn: Turn) -> Any | None:
        if not turn.text:
            return None
        if turn.state is None:
            return self._left(turn)
        if turn.state != "survey":
            return None
        step = turn.flow_data.get("step", "resolved")
        answer = parse_resolved(turn.text) if step == "resolved" else parse_satisfaction(turn.text)
        if answer is None and step == "resolved":  # 「非常满意」 to 「问题解决了吗」: both answered at once
            said = satisfaction_said(turn.text)
            return None if said is None else ("both", said)
        return None if answer is None else (step, answer)

    @staticmethod
    def _left(turn: Turn) -> Any | None:
        """The resident answered something else in between (a question, a new report) and the survey's state was
        left; its answer, said now with nothing open, still belongs to it. Words that can only answer a survey are
        recorded; a bare 「1」/「2」 asks the survey again."""
        word = _clean(turn.text)
        digit = word in ("1", "2", "3", "4", "5")
        if len(word) > LEFT_ANSWER_MAX or not digit and not _SURVEY_WORDS.search(word):
            return None
        if turn.conversation.handoff is not None:
            return None
        survey = turn.session.execute(
            select(Survey).where(Survey.channel == turn.inbound.channel, Survey.openid == turn.inbound.user_id,
                                 Survey.status.in_(("asked", "reminded")))
            .order_by(Survey.asked_at.desc(), Survey.id.desc()).limit(1)).scalar_one_or_none()
        if survey is None:
            return None
        step = "satisfaction" if "resolved" in (survey.answers or {}) else "resolved"
        flow = {"survey_id": survey.id, "number": survey.number, "step": step,
                **({"resolved": survey.answers["resolved"]} if step == "satisfaction" else {})}
        if digit:
            return ("again", flow) if step == "satisfaction" or word in ("1", "2") else None
        if step == "resolved":
            answer = parse_resolved(turn.text)
            if answer is not None:
                return ("left", flow, "resolved", answer)
            said = satisfaction_said(turn.text)
            return None if said is None else ("left", flow, "both", said)
        answer = parse_satisfaction(turn.text)
        return None if answer is None else ("left", flow, "satisfaction", answer)

    def handle(self, turn: Turn, match: Any) -> Reply:
        if match[0] == "again":
            flow = match[1]
            turn.set_state("survey", **flow)
            again = ASK_AGAIN if flow["step"] == "resolved" else ASK_SATISFACTION_AGAIN
            return Reply(text=again.format(number=flow["number"]), meta={"survey": flow["number"]})
        if match[0] == "left":
            _, flow, step, answer = match
            turn.set_state("survey", **flow)
        else:
            step, answer = match
        flow = turn.flow_data
        survey = turn.session.get(Survey, flow.get("survey_id"))
        if survey is None or survey.status not in ("asked", "reminded"):
            turn.set_state(None)
            return Reply(text=THANKS)
        if step == "both":
            survey.answers = {**(survey.answers or {}), "resolved": True, "resolved_text": turn.text,
                              "resolved_from": "satisfaction"}
            return self._finish(turn, survey, resolved=True, satisfaction=answer)
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
