"""Questions: answer from the policy FAQ, offer a numbered menu, or say honestly that we do not know."""

from __future__ import annotations

from typing import Any

from bot.dialogue.engine import Turn
from bot.inbound import Reply

MENU_STATE = "faq_menu"


def answer(turn: Turn, text: str) -> Reply:
    """An answer, a 「您是想问」 menu (kept open for the resident's number) or an honest 'not known'."""
    from knowledge_base import service

    match = service.ask(turn.session, text, channel=turn.inbound.channel, user_id=turn.inbound.user_id,
                        today=turn.now.date())
    meta: dict[str, Any] = {"faq": match.code, "faq_outcome": match.outcome, "score": round(match.score, 3)}
    if match.outcome == "menu":
        turn.set_state(MENU_STATE, codes=list(match.menu_codes), question=text)
        meta["faq_menu"] = list(match.menu_codes)
    return Reply(text=service.reply_text(turn.session, match), meta=meta)


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
        return Reply(text=service.answer_text(entry), meta={"faq": entry.code, "faq_outcome": "menu_choice"})
