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


def _answered(turn: Turn, match, asked: str, *, named: bool) -> str:  # noqa: ANN001
    """The answer's text; remembered as the topic. `named`: it says which question it answers (a follow-up's, or
    one given for a question worded otherwise), so a resident who meant something else can tell at once."""
    from knowledge_base import service

    doc = service.get_index(turn.session).get(match.code)
    if doc is not None:
        _remember(turn, doc.code, doc.question, asked)
    text = service.reply_text(turn.session, match)
    if named and doc is not None:
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
        gap = _not_said(turn, follows["code"], text)
        if gap is not None:
            return gap
        match = replace(match, outcome="answer", code=follows["code"])
        service.record_hit(turn.session, code=match.code)
    elif follows and follows.get("code") and match.outcome == "menu":
        # 「多久能拿到」 after 居住证's papers: of the menu's entries on 居住证 itself, only 「居住证怎么办理？」 says how
        # long (「约15个工作日可领取」); that one is the answer, named (it used to be a menu with 居住证明 in it)
        from knowledge_base.matcher import aspects, topic_of

        followed = service.get_entry(turn.session, code=follows["code"])
        asked_for = aspects(text)
        fits = (_fitting(turn, list(match.menu_codes), asked_for, subject=topic_of(followed.question))
                if followed is not None and asked_for else [])
        if len(fits) == 1:
            match = replace(match, outcome="answer", code=fits[0].code)
            service.record_hit(turn.session, code=match.code)
    named = False
    if not follows and match.outcome == "menu" and len(match.menu_codes) == 1:
        # 「残疾证要多久」: the one candidate, 「残疾证怎么办理？」, is about the service named and its answer says how
        # long (约20个工作日); asking 「您是想问…吗？」 first only delays that answer, which is given named
        only = _says_what_was_asked(turn, match.menu_codes[0], text)
        if only is not None:
            match, named = replace(match, outcome="answer", code=only), True
            service.record_hit(turn.session, code=match.code)
    meta: dict[str, Any] = {"faq": match.code, "faq_outcome": match.outcome, "score": round(match.score, 3)}
    if follows:
        meta["faq_follows"] = follows.get("code") or follows.get("question")
    if match.outcome == "answer":
        return Reply(text=_answered(turn, match, text, named=bool(follows) or named), meta=meta)
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
    return Reply(text=_answered(turn, match, text, named=bool(follows)), meta=meta)


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


# What an answer says, by the kind of answer a follow-up asks for: 「受理后约15个工作日可领取」 tells 多久 though its
# entry is 「居住证怎么办理？」. Only kinds that an answer states in recognisable words.
_ANSWER_SAYS = {
    "材料": re.compile(r"需准备|需提供|需提交|携带|带上|带好|持(本人)?(身份证|户口|居民|残疾|相关|有效)|身份证|户口簿|证明材料"),
    "时限": re.compile(r"\d+个?工作日|[一二两三四五六七八九十半\d]+个?(工作日|天|日|周|星期|月)(内|左右|后)?(即?可|能)?"
                     r"(领取|办结|办好|拿到|出证|完成|制卡|制证|到账|发放|审批完|审核完)|当场(办结|领取|出证)|即时办结|"
                     r"当天(办结|领取|出证)|次月"),
    "地点": re.compile(r"(到|在|去)[^，。；]{0,12}(社区|派出所|服务站|服务中心|窗口|大厅|街道|医院|门诊)"),
    "费用": re.compile(r"免费|不收费|收费|\d+元|工本费"),
}


_ASKED_AS = {"时限": "办理要多久", "费用": "收不收费"}
# the kinds whose absence from an answer is told as a gap: a fee or a duration is said in few ways; a place or the
# papers in too many (「东门岗亭旁」) for a missed pattern to be read as 'not written'
_GAP_TOLD = frozenset(_ASKED_AS)


def _unsaid(entry, asked) -> list[str]:  # noqa: ANN001
    """The kinds of answer in `asked` (all read off answers: `_ANSWER_SAYS`) that the entry's answer does not state."""
    return [a for a in sorted(asked) if not _ANSWER_SAYS[a].search(entry.answer)]


def _not_said(turn: Turn, code: str, text: str) -> Reply | None:
    """「收费吗」 after 「老年卡怎么办？」, whose answer says nothing about a fee: saying that answer again would look
    like an answer. Say plainly that it is not known, and log the question for staff with the entry that lacks it
    (reason "gap"). None when the follow-up asks something its answer does say (or a kind not read off answers)."""
    from knowledge_base import service
    from knowledge_base.matcher import aspects

    asked = aspects(text)
    entry = service.get_entry(turn.session, code=code)
    if entry is None or not asked or not asked <= _GAP_TOLD:
        return None
    missing = _unsaid(entry, asked)
    if not missing:
        return None
    service.log_unanswered(turn.session, text=f"{entry.question} {text}", channel=turn.inbound.channel,
                           user_id=turn.inbound.user_id, best_code=code, reason="gap")
    said = "、".join(_ASKED_AS[a] for a in missing)
    return Reply(text=texts.FOLLOW_UP_GAP.format(question=entry.question, said=said),
                 meta={"faq": code, "faq_outcome": "gap", "faq_follows": code})


def _says_what_was_asked(turn: Turn, code: str, text: str) -> str | None:
    """`code` when its entry is about the service the question names and its answer states every kind of answer
    the question asks for (a duration, a fee, papers, a place: `_ANSWER_SAYS`); else None."""
    from knowledge_base import service
    from knowledge_base.matcher import aspects, topic_of

    asked = aspects(text)
    entry = service.get_entry(turn.session, code=code)
    if entry is None or entry.status != "published" or not asked or not asked <= _ANSWER_SAYS.keys():
        return None
    subject = topic_of(entry.question)
    if not subject or subject not in text:
        return None
    return None if _unsaid(entry, asked) else code


_HOW_OFTEN = re.compile(r"(每个?月|每年|每季度?|一个月|一年|每人)$")


def _service_of(subject: str) -> str:
    """The service an entry's subject names, without a 'how often' it asks in (高龄津贴每月 → 高龄津贴)."""
    return _HOW_OFTEN.sub("", subject)


def _fitting(turn: Turn, codes: list[str], asked: frozenset, *, subject: str | None = None) -> list:
    """The published entries among `codes` that give what `asked` asks for: by their question's kind of answer,
    else (when none does) by what their answer says. `subject`: only entries about that same service."""
    from knowledge_base import service
    from knowledge_base.matcher import aspects, topic_of

    entries = [e for e in (service.get_entry(turn.session, code=code) for code in codes)
               if e is not None and e.status == "published"
               and (subject is None or _service_of(topic_of(e.question)) == _service_of(subject))]
    fits = [e for e in entries if asked <= aspects(e.question)]
    if fits or not asked <= _ANSWER_SAYS.keys():
        return fits
    return [e for e in entries if not _unsaid(e, asked)]


def _picked_in_words(turn: Turn, codes: list[str]):  # noqa: ANN202
    """The one menu entry a short follow-up asks for by kind of answer: 「怎么申请」 to 「1. 高龄津贴怎么申请？
    2. 高龄津贴每月发多少钱？」 is 1 (it used to be asked again as 「您是想问「高龄津贴怎么申请？」吗？」), and so is
    「要带什么」, the only answer of the two that lists papers. None when the words name no kind of answer, or
    more than one entry, or none, gives it."""
    from knowledge_base import service
    from knowledge_base.matcher import aspects, follow_up

    if not follow_up(turn.text):
        return None
    asked = aspects(turn.text)
    fits = _fitting(turn, codes, asked) if asked else []
    if len(fits) != 1:
        return None
    service.record_hit(turn.session, code=fits[0].code)
    return ("words", fits[0])


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

        codes = turn.flow_data.get("codes") or []
        return service.choose(turn.session, codes=codes, reply=turn.text) or _picked_in_words(turn, codes)

    def handle(self, turn: Turn, entry) -> Reply:  # noqa: ANN001
        from knowledge_base import service

        question = turn.flow_data.get("question", "")
        turn.set_state(None)
        if entry == "none":  # the menu missed: the question joins the unanswered log for staff
            service.reject_menu(turn.session, text=question, channel=turn.inbound.channel,
                                user_id=turn.inbound.user_id)
            return Reply(text=service.unknown_text(), meta={"faq": None, "faq_outcome": "menu_rejected"})
        in_words = isinstance(entry, tuple)
        if in_words:  # picked by what was asked, not by number: the answer says which question it answers
            entry = entry[1]
        _remember(turn, entry.code, entry.question, question)
        text = service.answer_text(entry)
        meta = {"faq": entry.code, "faq_outcome": "menu_words" if in_words else "menu_choice"}
        if in_words:
            meta["faq_follows"] = question
        return Reply(text=f"关于「{entry.question}」：\n{text}" if in_words else text, meta=meta)


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
