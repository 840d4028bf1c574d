"""Questions: answer from the policy FAQ, offer a numbered menu, or say honestly that we do not know."""

from __future__ import annotations

import re
from typing import Any

from bot.dialogue.engine import Turn
from bot.inbound import Reply

MENU_STATE = "faq_menu"
UNKNOWN = "抱歉，这个问题我暂时答不上来，已记录下来请工作人员补充。需要现在联系工作人员请回复「人工」。"


def answer(turn: Turn, text: str) -> Reply:
    from knowledge_base import service

    match = service.ask(turn.session, text, channel=turn.inbound.channel, user_id=turn.inbound.user_id,
                        today=turn.now.date())
    if match.outcome == "answer":
        return Reply(text=service.answer_text(turn.session, match.code), meta={"faq": match.code, "score": match.score})
    if match.outcome == "menu":
        codes = [c.code for c in match.candidates]
        turn.set_state(MENU_STATE, codes=codes)
        return Reply(text=service.menu_text(match), meta={"faq_menu": codes})
    return Reply(text=UNKNOWN, meta={"faq": None})


class MenuChoice:
    """The resident answers 「您是想问：1… 2… 3…」 with a number."""

    name = "faq_menu"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != MENU_STATE:
            return None
        m = re.fullmatch(r"\s*([1-9])\s*[.。、]?\s*", turn.text)
        codes = turn.flow_data.get("codes") or []
        if m and int(m.group(1)) <= len(codes):
            return codes[int(m.group(1)) - 1]
        return None

    def handle(self, turn: Turn, code: str) -> Reply:
        from knowledge_base import service

        turn.set_state(None)
        return Reply(text=service.answer_text(turn.session, code), meta={"faq": code})
