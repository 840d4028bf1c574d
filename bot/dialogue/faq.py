"""Questions: answer from the policy FAQ, offer a numbered menu, or say honestly that we do not know."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.dialogue import texts
from bot.dialogue.engine import Turn
from bot.inbound import Reply

MENU_STATE = "faq_menu"
REPORT_SHARE = 0.2  # the classifier's complaint + service-request share above which an unknown question may be a report
REPORT_INTENTS = ("complaint", "service_request")  # ... or when a rule of these fired (坏了, 没人修, 投诉)
TOPIC_KEY = "faq_topic"  # conversation data: the entry last answered, for follow-ups (需要什么材料 after 居住证怎么办)
TOPIC_MINUTES = 30  # a follow-up is read against the last answer for this long


def _remember(turn: Turn, code: str | None, question: str, asked: str | None = None) -> None:
    """The topic a follow-up is read against: the entry answered, or (code None) the question a menu was offered for.
    `asked`: the resident's own words the entry answered, logged for staff if they say the answer missed."""
    topic = {"code": code, "question": question, "at": turn.now.isoformat()}
    if asked:
        topic["asked"] = asked
    turn.conversation.data = {**(turn.conversation.data or {}), TOPIC_KEY: topic}


def _recent_topic(turn: Turn) -> dict | None:
    """The last answer's or menu's topic, if it is at most TOPIC_MINUTES old."""
    topic = (turn.conversation.data or {}).get(TOPIC_KEY)
    if not isinstance(topic, dict):
        return None
    return topic if turn.kept_within(topic, timedelta(minutes=TOPIC_MINUTES)) else None  # unreadable: no topic


def _with_topic(turn: Turn, text: str) -> tuple[str, dict | None]:
    """The text to ask the FAQ, and the topic it follows up: 「需要什么材料」 right after an answer about 居住证 is asked
    as 「居住证，需要什么材料」, so the sibling entry on its materials can answer it. Only a question that names no
    service of its own (knowledge_base.matcher.follow_up), and only within TOPIC_MINUTES of that answer or menu."""
    from knowledge_base.matcher import follow_up, topic_of

    if not follow_up(text):
        return text, None
    topic = _recent_topic(turn)
    subject = topic_of(topic.get("question") or "") if topic else None
    if not subject:
        return text, None
    return f"{subject}，{text}", topic


def follows_topic(turn: Turn, text: str) -> bool:
    """The message is a follow-up to a recent FAQ answer or menu (so the FAQ, not a clarifying question, takes it:
    「要多久」 alone reads as anything, after 「居住证怎么办」 it is a question about 居住证)."""
    return _with_topic(turn, text)[1] is not None


def _answered(turn: Turn, match, follows: dict | None, asked: str) -> str:  # noqa: ANN001
    """The answer's text; remembered as the topic. A follow-up's answer says which question it answers, so a
    resident who meant something else can tell at once."""
    from knowledge_base import service

    doc = service.get_index(turn.session).get(match.code)
    if doc is not None:
        _remember(turn, doc.code, doc.question, asked)
    text = service.reply_text(turn.session, match)
    if follows and doc is not None:
        return f"关于「{doc.question}」：\n{text}"
    return text


def answer(turn: Turn, text: str) -> Reply:
    """An answer, a 「您是想问」 menu (kept open for the resident's number) or an honest 'not known'."""
    from knowledge_base import service

    asked, follows = _with_topic(turn, text)
    match = service.ask(turn.session, asked, channel=turn.inbound.channel, user_id=turn.inbound.user_id,
                        today=turn.today)
    if follows and follows.get("code") and _only_the_followed(turn, match.menu_codes, follows["code"], text):
        # the one entry offered is the one just answered (「怎么报名」 after 「社区有老年大学吗？」), or it and entries for
        # a situation the resident did not say (「需要带什么」 after 老年卡怎么办: not 老年卡丢了怎么补办): a menu asks
        # the resident to pick what they already read, so it is said again, named
        match = replace(match, outcome="answer", code=follows["code"])
        service.record_hit(turn.session, code=match.code)
    meta: dict[str, Any] = {"faq": match.code, "faq_outcome": match.outcome, "score": round(match.score, 3)}
    if follows:
        meta["faq_follows"] = follows.get("code") or follows.get("question")
    if match.outcome == "answer":
        return Reply(text=_answered(turn, match, follows, text), meta=meta)
    if match.outcome == "menu":
        _remember(turn, None, asked)  # 「我家老人80岁了有什么补贴」, a menu, then 「怎么申请」: still about that
        turn.set_state(MENU_STATE, codes=list(match.menu_codes), question=asked)
        meta["faq_menu"] = list(match.menu_codes)
    elif match.outcome == "unknown" and _may_be_a_report(turn):
        # 「请问3栋楼道灯坏了8天没人修？」 reads as a question but is a report: offer to register it, not a dead end;
        # the clarification flow then takes 「2」 (or 反映) and routes the original text as a report
        from bot.dialogue.handlers import Clarification

        turn.set_state(Clarification.state, text=text, offer=True)
        return Reply(text=texts.REPORT_OFFER, meta={**meta, "report_offer": True})
    return Reply(text=service.reply_text(turn.session, match), meta=meta)


def answer_if_known(turn: Turn, text: str) -> Reply | None:
    """The FAQ's answer when it has a sure one, else None with nothing logged or left open (no menu state): the
    caller has something else to do first (a report in the same message) and asks again later."""
    from knowledge_base import service

    asked, follows = _with_topic(turn, text)
    match = service.ask(turn.session, asked, channel=turn.inbound.channel, user_id=turn.inbound.user_id,
                        today=turn.today, log_unknown=False)
    if match.outcome != "answer":
        return None
    meta = {"faq": match.code, "faq_outcome": "answer", "score": round(match.score, 3)}
    if follows:
        meta["faq_follows"] = follows.get("code") or follows.get("question")
    return Reply(text=_answered(turn, match, follows, text), meta=meta)


def _only_the_followed(turn: Turn, codes: list[str], followed: str, text: str) -> bool:
    """The menu offers the entry the resident is following up on and, besides it, only entries about a situation
    (遗失, 变更, 注销…) that neither the follow-up nor the followed entry says."""
    if followed not in codes:
        return False
    from knowledge_base import service
    from knowledge_base.matcher import SITUATIONS, aspects

    said = aspects(text) & SITUATIONS
    mine = service.get_entry(turn.session, code=followed)
    if said or mine is None or aspects(mine.question) & SITUATIONS:
        return len(codes) == 1
    for code in codes:
        if code != followed:
            other = service.get_entry(turn.session, code=code)
            if other is None or not aspects(other.question) & SITUATIONS:
                return False
    return True


def answer_errand(turn: Turn, text: str) -> Reply | None:
    """「我家老人想办个老年卡」: a request to get something done that the FAQ answers confidently. The answer comes
    first (most residents only need to know how), with an offer to register it for staff help; None otherwise.
    Nothing is logged as unanswered: this is a request, not a question the FAQ missed."""
    from bot.dialogue.handlers import Clarification

    known = answer_if_known(turn, text)
    if known is None:
        return None
    turn.set_state(Clarification.state, text=text, offer=True)
    return Reply(text=f"{known.text}\n\n{texts.ERRAND_OFFER}", meta={**known.meta, "errand_offer": True})


def _may_be_a_report(turn: Turn) -> bool:
    """A community matter (a category the grid handles) with complaint or service-request cues: a real share of
    the classifier's scores, or one of their rules in the evidence (the share depends on how sure the model is that
    a 「麻烦问一下…？」 is a question; the rule that read 坏了/没人修 does not)."""
    c = turn.classification
    if not getattr(c, "category", None) or getattr(c, "handler_type", "") != "grid":
        return False
    scores = getattr(c, "scores", None) or {}
    share = scores.get("complaint", 0.0) + scores.get("service_request", 0.0)
    return share >= REPORT_SHARE or c.rule_fired_for(*REPORT_INTENTS)


NONE_OF_THESE = {"都不是", "都不对", "不是", "没有", "没有我要的", "不是这些", "0"}


class MenuChoice:
    """The resident answers 「您是想问：1… 2… 3…」 with a number (1, ２, 第二个…) or says none of them fits."""

    name = "faq_menu"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != MENU_STATE or not turn.text:
            return None
        if turn.text.strip("。.!！ ") in NONE_OF_THESE:
            return "none"
        from knowledge_base import service

        return service.choose(turn.session, codes=turn.flow_data.get("codes") or [], reply=turn.text)

    def handle(self, turn: Turn, entry) -> Reply:  # noqa: ANN001
        from knowledge_base import service

        question = turn.flow_data.get("question", "")
        turn.set_state(None)
        if entry == "none":  # the menu missed: the question joins the unanswered log for staff
            service.reject_menu(turn.session, text=question, channel=turn.inbound.channel,
                                user_id=turn.inbound.user_id)
            return Reply(text=service.unknown_text(), meta={"faq": None, "faq_outcome": "menu_rejected"})
        _remember(turn, entry.code, entry.question, question)
        return Reply(text=service.answer_text(entry), meta={"faq": entry.code, "faq_outcome": "menu_choice"})


# the whole message (punctuation and a trailing 啊/呀/吧 aside) says the answer just given missed the question
WRONG_ANSWER_WORDS = {"不对", "不是", "不是这个", "不是这个意思", "不是这样", "答非所问", "没用", "没有用", "答错了", "回答错了",
                      "说的不对", "说错了", "错了", "不是我问的", "不是我要问的", "不是我想问的", "我问的不是这个",
                      "问的不是这个", "没回答我的问题", "没有回答我的问题", "你没懂", "没听懂我的意思", "文不对题",
                      "牛头不对马嘴", "不是这个问题", "不是我要的"}
_NOT_WORD = re.compile(r"[\s\W_]+|[啊呀吧哦嘛呢]+$", re.UNICODE)


def rejected_answer(turn: Turn) -> dict | None:
    """「不对」/「答非所问」 right after an FAQ answer (within TOPIC_MINUTES): the topic it rejects, else None.
    Only an answer's topic: after a menu the resident says 「都不是」 to the menu itself (MenuChoice)."""
    if _NOT_WORD.sub("", turn.text or "") not in WRONG_ANSWER_WORDS:
        return None
    topic = _recent_topic(turn)
    return topic if topic and topic.get("code") else None


def answer_rejected(turn: Turn, topic: dict) -> Reply:
    """The resident says the answer missed: their question joins the unanswered log with the entry that answered
    it (reason "wrong"), so staff can mend that entry or write the missing one; the topic is forgotten, so a
    follow-up is not read against the wrong answer."""
    from knowledge_base import service

    asked = topic.get("asked")
    if asked:  # a topic remembered before `asked` was kept has nothing to log
        service.log_unanswered(turn.session, text=asked, channel=turn.inbound.channel,
                               user_id=turn.inbound.user_id, best_code=topic["code"], reason="wrong")
    turn.conversation.data = {k: v for k, v in (turn.conversation.data or {}).items() if k != TOPIC_KEY}
    return Reply(text=texts.ANSWER_REJECTED, meta={"faq": topic["code"], "faq_outcome": "answer_rejected"})
