"""The built-in handlers: hand-off, events, non-text messages, commands, clarification and the intent route."""

from __future__ import annotations

from typing import Any

from bot.dialogue import routes, texts
from bot.dialogue.engine import Turn
from bot.inbound import Reply, bare
from bot.org import service as org
from bot.tickets import service as tickets


COMMANDS = {
    "human": {"人工", "转人工", "人工服务", "找人工", "人工客服", "客服", "找工作人员"},
    "end_human": {"结束人工", "退出人工", "结束"},
    "status": {"查询", "我的工单", "查询进度", "进度", "我的事项", "查进度", "工单"},
    "cancel": {"取消", "算了", "不用了", "退出"},
    "more": {"更多", "全文", "继续"},
    "help": {"帮助", "菜单", "help", "功能", "你能做什么"},
}
_COMMAND_OF = {word: name for name, words in COMMANDS.items() for word in words}


def command_of(text: str) -> str | None:
    """An exact command word (ignoring spaces and punctuation), or None."""
    return _COMMAND_OF.get(bare(text).lower())


class HumanHandoff:
    """While a person handles the chat, the bot steps back (but never on an emergency)."""

    name = "handoff"

    def check(self, turn: Turn) -> Any | None:
        if turn.conversation.handoff is None:
            return None
        return command_of(turn.text) or "message"

    def handle(self, turn: Turn, match: Any) -> Reply:
        if match == "end_human":
            routes.end_handoff(turn.conversation)
            return Reply(text=texts.HANDOFF_ENDED)
        if turn.text and turn.classification.intent == "emergency":
            return routes.raise_emergency(turn, turn.classification)
        return routes.acknowledge_waiting(turn)


class EmergencyWhere:
    """The place of an emergency filed with none (asked right after the alert): a building named, a place said in
    a few words, or a location sent; it goes on the ticket and the alert goes out again."""

    name = "emergency_where"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != routes.EMERGENCY_WHERE_STATE or not turn.kept_within(turn.flow_data, routes.EMERGENCY_WHERE_WITHIN):
            return None
        from bot.tickets.intake import is_place

        ib = turn.inbound
        if ib.msg_type == "location" and ib.location:
            return "location"
        if ib.msg_type == "text" and turn.text and is_place(turn.text) and not turn.classification.rule_fired_for(
                "complaint", "service_request", "suggestion", "question"):  # 「3号楼路灯坏了」 is a report, not a place
            return "text"
        return None

    def handle(self, turn: Turn, match: str) -> Reply:
        ticket = tickets.get_ticket(session=turn.session, actor=None, number=turn.flow_data["number"])
        turn.set_state(None)
        ib = turn.inbound
        if match == "location":
            loc = ib.location
            near = org.nearest_building(session=turn.session, latitude=loc.latitude, longitude=loc.longitude)
            label = loc.label or (near.name if near else f"{loc.latitude:.5f}, {loc.longitude:.5f}")
            tickets.add_place(session=turn.session, ticket=ticket, label=label, building_id=near.id if near else None,
                              location={"lat": loc.latitude, "lng": loc.longitude, "label": loc.label or ""}, now=turn.now)
        else:
            building = org.building_named(session=turn.session, text=turn.text)
            label = turn.text.strip()[:40]
            tickets.add_place(session=turn.session, ticket=ticket, label=label,
                              building_id=building.id if building else None, location={"label": label}, now=turn.now)
        return Reply(text=texts.EMERGENCY_PLACED.format(place=label), meta={"ticket": ticket.number, "urgent": True})


class AddToFiled:
    """After 「补充」 alone: the next message (not a command) goes on the report just filed."""

    name = "add_to_filed"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != routes.ADD_STATE or not turn.text or command_of(turn.text):
            return None
        if turn.classification.intent in ("emergency", "police"):  # never a note on an old report
            return None
        return "add" if turn.kept_within(turn.flow_data, routes.ADD_WITHIN) else None

    def handle(self, turn: Turn, match: str) -> Reply:
        number = turn.flow_data["number"]
        turn.set_state(None)
        return routes.add_to_filed(turn, tickets.get_ticket(session=turn.session, actor=None, number=number))


class WithdrawConfirm:
    """The answer to 「要撤回「…」吗？」: 确认撤回 withdraws it, 继续办理 keeps it; anything else leaves the question
    (and is read as a message of its own)."""

    name = "withdraw"
    YES = {"确认撤回", "撤回", "确认", "是", "是的", "对", "好", "好的", "嗯", "嗯嗯", "撤吧", "撤销", "可以", "行", "确定"}
    NO = {"继续办理", "继续", "不撤", "不撤回", "不用撤", "不用撤回", "不", "不是", "不要", "算了", "还要", "还需要",
          "还是要处理", "要处理", "需要处理"}

    def check(self, turn: Turn) -> Any | None:
        if turn.state != routes.WITHDRAW_STATE or not turn.text:
            return None
        if not turn.kept_within(turn.flow_data, routes.WITHDRAW_WITHIN):
            return "lapsed"
        word = bare(turn.text).lower()
        return "yes" if word in self.YES else "no" if word in self.NO else "other"

    def handle(self, turn: Turn, match: str) -> Reply:
        flow = turn.flow_data
        turn.set_state(None)
        if match in ("lapsed", "other"):  # a message of its own: a command runs as a command
            command = command_of(turn.text)
            return Commands().handle(turn, command) if command else IntentRoute().handle(turn, turn.classification)
        ticket = tickets.get_ticket(session=turn.session, actor=None, number=flow["number"])
        if match == "no" or ticket.status not in tickets.OPEN_STATUSES:
            return Reply(text=texts.WITHDRAW_KEPT.format(text=routes.first_line(ticket), number=ticket.number))
        return routes.withdrawn(turn, ticket, flow.get("said") or turn.text)


class Events:
    """subscribe (with qrscene_), unsubscribe, SCAN, CLICK, VIEW, LOCATION and unknown events."""

    name = "events"
    MENU = {"MENU_HELP": "help", "MENU_STATUS": "status", "MENU_HUMAN": "human"}

    def check(self, turn: Turn) -> Any | None:
        return turn.inbound.event if turn.inbound.msg_type == "event" else None

    def handle(self, turn: Turn, event: str) -> Reply:
        ib = turn.inbound
        if event == "subscribe":
            turn.conversation.data = {**(turn.conversation.data or {}), "subscribed": True, "scene": ib.scene}
            offer = self._building_code(turn)  # 一楼一码: the code on a building's notice board offers binding
            if offer is not None:
                return Reply(text=texts.WELCOME + "\n\n" + offer.text, meta={"scene": ib.scene, **offer.meta})
            return Reply(text=texts.WELCOME, meta={"scene": ib.scene})
        if event == "unsubscribe":
            turn.conversation.data = {**(turn.conversation.data or {}), "subscribed": False}
            turn.set_state(None)
            return Reply()
        if event == "scan":
            offer = self._building_code(turn)
            if offer is not None:
                return Reply(text="欢迎回来！" + offer.text, meta={"scene": ib.scene, **offer.meta})
            return Reply(text="欢迎回来！" + texts.HELP)
        if event == "location" and ib.location:
            loc = ib.location
            turn.conversation.data = {**(turn.conversation.data or {}), "location": [loc.latitude, loc.longitude]}
            return Reply()
        if event == "click":
            action = self.MENU.get(ib.event_key or "")
            if action == "status":
                return routes.show_status(turn)
            if action == "human":
                return routes.start_handoff(turn, "菜单转人工")
            if action == "help":
                return Reply(text=texts.HELP)
        return Reply()  # view, enter_agent and unknown events need no answer


    @staticmethod
    def _building_code(turn: Turn) -> Reply | None:
        """A QR code's scene that names a building (「building-12」: building id 12; 「building-3号楼」 or 「3号楼」: by
        name), as the grid codes are 「grid-G03」: binding to it is offered, unless the resident is bound there."""
        from bot.org.models import Building
        from bot.tickets.intake import Binding

        scene = (turn.inbound.scene or "").strip().removeprefix("building-")
        if not scene or scene.startswith("grid-"):
            return None
        by_id = turn.session.get(Building, int(scene)) if scene.isdigit() else None
        building = by_id or org.building_named(session=turn.session, text=scene)  # both have .id and .grid_id
        if building is None:
            return None
        bound = org.resident_place(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)
        if bound is not None and bound.building_id == building.id:
            return None
        return Binding._confirm(turn, building, None)


class NonText:
    """Images, locations, links, videos and unknown types outside an open conversation."""

    name = "non_text"

    def check(self, turn: Turn) -> Any | None:
        ib = turn.inbound
        if ib.msg_type in ("text", "event") or (ib.msg_type == "voice" and ib.text):
            return None
        return ib.msg_type

    def handle(self, turn: Turn, msg_type: str) -> Reply:
        from bot.tickets.intake import keep_sent_before

        ib = turn.inbound
        if msg_type == "image":
            keep_sent_before(turn)  # for the report the resident describes next
            return Reply(text=texts.IMAGE_ALONE)
        if msg_type == "location" and ib.location:
            loc = ib.location
            keep_sent_before(turn)
            turn.conversation.data = {**(turn.conversation.data or {}), "location": [loc.latitude, loc.longitude]}
            return Reply(text=texts.LOCATION_SAVED.format(label=loc.label or f"{loc.latitude:.5f}, {loc.longitude:.5f}"))
        if msg_type == "link":
            return Reply(text=texts.LINK_ALONE)
        return Reply(text=texts.UNSUPPORTED)  # voice without recognition, video, unknown


class Commands:
    """人工, 查询, 取消, 更多, 帮助: exact words, before any classification."""

    name = "commands"

    def check(self, turn: Turn) -> Any | None:
        return command_of(turn.text) if turn.text else None

    def handle(self, turn: Turn, command: str) -> Reply:
        if command == "human":
            return routes.start_handoff(turn, "居民要求人工")
        if command == "status":
            return routes.show_status(turn)
        if command == "cancel":
            had = turn.state is not None
            turn.set_state(None)
            if not had:  # 「取消」 just after filing: the report just filed, asked to confirm
                offer = routes.withdraw_if_asked(turn, cancel=True)
                if offer is not None:
                    return offer
            return Reply(text=texts.CANCELLED if had else texts.NOTHING_TO_CANCEL)
        if command == "more":
            return routes.more(turn)
        if command == "end_human":
            return Reply(text=texts.NOTHING_TO_CANCEL)
        return Reply(text=texts.HELP)


BARE_TOPIC_MAX = 6  # characters: a topic named alone, with no word saying what the resident wants
BARE_PLACE_MAX = 8  # characters: 「3号楼2单元」, 「我家在5栋」 — a place named alone
NOTHING_TO_CONFIRM_WORDS = {"确认", "跳过", "提交", "确定", "确认提交"}


def _rules_fired(c) -> set[str]:
    """The ids of the rules in a classification's evidence (category.养老, service.help, model.ngram …)."""
    return {str(e.get("rule", "")) for e in getattr(c, "evidence", None) or []}


def _bare_topic(text: str, c) -> bool:
    """Only a category's keyword fired (and the model): no question, complaint or suggestion cue at all."""
    kinds = {rule.split(".")[0] for rule in _rules_fired(c)}
    return (bool(getattr(c, "category", None)) and len(bare(text)) <= BARE_TOPIC_MAX
            and kinds <= {"category", "model"})


def _errand(c) -> bool:
    """A request to get something done (办个, 申请, 开证明), not a repair or a problem on site."""
    rules = _rules_fired(c)
    return "service.help" in rules and "service.repair" not in rules


CLARIFY_CHOICES = {
    "question": {"1", "咨询", "问问", "问政策", "咨询政策", "了解"},
    "complaint": {"2", "反映", "反映问题", "投诉", "求助", "帮忙", "办事", "报修"},
    "suggestion": {"3", "建议", "提建议", "意见"},
}
CLARIFY_PROMPT = "\n请回复数字：1 咨询政策　2 反映问题/求助　3 提建议"
# after an offer to register (「回复「2」，我来为您登记」) these say yes to it, as 「2」 does; after a clarifying
# question with three choices they say nothing
OFFER_YES = {"好", "好的", "好啊", "好吧", "可以", "行", "要", "需要", "是", "是的", "对", "嗯", "嗯嗯", "登记", "帮我登记",
             "麻烦了", "麻烦你了", "麻烦您了", "那就登记", "确认", "ok"}


class Clarification:
    """The answer to a clarifying question: route the original message the way the resident says."""

    name = "clarify"
    state = "clarify"

    def check(self, turn: Turn) -> Any | None:
        if turn.state != self.state:
            return None
        word = bare(turn.text)
        for intent, words in CLARIFY_CHOICES.items():
            if word in words:
                return intent
        if turn.flow_data.get("offer") and word.lower() in OFFER_YES:
            return "complaint"  # as 「2」: handle makes it a service request when the scores say so
        from bot.tickets.intake import Binding

        if Binding.ENTRY.match(turn.text or ""):  # 「绑定 7号楼1单元」: a command, not the place of what was asked
            return None
        original = bare(turn.flow_data.get("text", ""))
        if (len(word) <= 12 and len(original) >= 4 and not original.isdigit()
                and org.building_named(session=turn.session, text=turn.text) is not None):
            return "place"  # 「4号楼2单元」: where the problem is, so the message asked about is a report there
        return None

    def handle(self, turn: Turn, intent: str) -> Reply:
        original = turn.flow_data.get("text", "")
        turn.set_state(None)
        if intent == "place":
            intent, original = "complaint", f"{original}（{turn.text.strip()}）"
        c = turn.about(original)  # category, department and urgency come from what was asked, not from 「2」
        if intent == "complaint" and c.scores.get("service_request", 0.0) > c.scores.get("complaint", 0.0):
            intent = "service_request"  # 「反映」 a broken lift is a repair request, not a complaint
        return IntentRoute.route(turn, intent, original, chosen=True)


class IntentRoute:
    """Everything else with text: classify, then answer, ticket, hand over or ask."""

    name = "intent"

    def check(self, turn: Turn) -> Any | None:
        return turn.classification if turn.text else None

    def handle(self, turn: Turn, c) -> Reply:
        if c.intent in ("emergency", "police"):
            return self.route(turn, c.intent, turn.text)
        from bot.dialogue import faq

        rejected = faq.rejected_answer(turn)
        if rejected is not None:  # 「不对」 right after an answer: it missed, staff are told which question
            return faq.answer_rejected(turn, rejected)
        from bot.tickets.intake import bare_number, placeholder_said

        said = placeholder_said(turn.text)
        if said is not None:  # 「[图片]」 typed or pasted: only that text came, not the photo (it was read as a nod)
            return Reply(text=said + texts.PLACEHOLDER_ALONE)
        word = bare(turn.text)
        if bare_number(word) and word != "88":  # 「2」 with nothing waiting (88 is goodbye)
            return Reply(text=texts.NUMBER_ALONE)
        if word in NOTHING_TO_CONFIRM_WORDS:  # 「确认」/「跳过」 with no report open or kept
            return Reply(text=texts.NOTHING_TO_CONFIRM)
        from bot.tickets.intake import offer_binding

        offered = offer_binding(turn)  # 「我住在3号楼2单元」: where they live, not a report about it
        if offered is not None:
            return offered
        if len(word) <= BARE_PLACE_MAX and not c.rule_fired_for("complaint", "service_request"):
            building = org.building_named(session=turn.session, text=turn.text)
            if building is not None:  # 「3号楼」 alone: ask what the matter is there
                from bot.tickets.intake import start_at_building

                return start_at_building(turn, building)
        urged = routes.urge_if_asked(turn, c)  # 「能快点吗」 with a ticket open: hurry it, do not open another
        if urged is not None:
            return urged
        withdrawing = routes.withdraw_if_asked(turn)  # 「撤销」, 「已经修好了不用来了」: withdraw it, once confirmed
        if withdrawing is not None:
            return withdrawing
        added = routes.add_to_filed_if_said(turn)  # 「补充一下，是3单元」 just after filing: on that report
        if added is not None:
            return added
        reopened = routes.not_fixed_if_said(turn)  # 「还是不亮」 after 「已办结」: 未解决, the ticket reopened
        if reopened is not None:
            return reopened
        aside = routes.out_of_scope(turn.text)  # 「明天会下雨吗」, 「你们都是废物」
        if aside is not None:
            return aside
        if routes.confidentiality_asked(turn.text):  # 「别让店家知道是我举报的」: who learns it, not a new report
            return Reply(text=texts.CONFIDENTIAL, meta={"confidential": True})
        if not c.rule_fired_for("complaint"):  # not 「网格员电话打不通，没人管」
            worker = routes.grid_worker_if_asked(turn)  # 「我们的网格员是谁」: the name and work phone
            if worker is not None:
                return worker
        outage = routes.outage_if_asked(turn, c)  # 「停水了什么时候来水」: the notices staff sent, then 「2」 to report
        if outage is not None:
            return outage
        both = routes.two_matters(turn.text)  # 「居住证怎么办，还有楼下垃圾没人收」: answer one, register the other
        if both is not None:
            reply = routes.take_both(turn, both)
            if reply is not None:
                return reply
        if c.intent in ("complaint", "service_request"):
            reports = routes.two_reports(turn.text)  # 「电梯坏了，而且楼道灯也不亮」: a ticket for each
            if reports is not None:
                return routes.open_two(turn, *reports)
        if getattr(c, "needs_clarification", False):
            if faq.follows_topic(turn, turn.text):  # 「要多久」 right after an answer about 居住证
                return faq.answer(turn, turn.text)
        if getattr(c, "needs_clarification", False) and _bare_topic(turn.text, c):
            # 「低保」, 「居住证」 alone: most residents want to know about it; the FAQ's answer or menu, else ask
            reply = faq.answer(turn, turn.text)
            if reply.meta.get("faq_outcome") in ("answer", "menu"):
                return reply
        if getattr(c, "needs_clarification", False):
            turn.set_state(Clarification.state, text=turn.text)
            question = c.clarifying_question or "您是想咨询政策，还是要反映问题？"
            return Reply(text=question + CLARIFY_PROMPT, meta={"clarify": True})
        return self.route(turn, c.intent, turn.text)

    @staticmethod
    def route(turn: Turn, intent: str, text: str, *, chosen: bool = False) -> Reply:
        """`chosen`: the resident picked the intent in a clarification (「2」), so it is done as they said."""
        c = turn.classification
        if intent == "emergency":
            return routes.raise_emergency(turn, c)
        if intent == "police":
            return Reply(text=getattr(c, "redirect_reply", None) or texts.POLICE, meta={"police": True})
        if intent == "greeting":
            return Reply(text=texts.WHOAMI if "short.whoami" in _rules_fired(c) else "您好！" + texts.HELP)
        if intent == "thanks":
            fired = _rules_fired(c)
            if "short.praise" in fired:
                return routes.pass_on_praise(turn)
            if "short.satisfied" in fired:
                return Reply(text=texts.SATISFIED)
            return Reply(text=texts.ACK if fired == {"short.ack"} else texts.THANKS)
        if intent == "human":
            return routes.start_handoff(turn, "居民要求人工")
        if intent == "status_query":
            return routes.show_status(turn)
        if intent == "question":
            from bot.dialogue import faq

            return faq.answer(turn, text)
        if intent == "service_request" and not chosen and _errand(c):
            from bot.dialogue import faq

            reply = faq.answer_errand(turn, text)
            if reply is not None:
                return reply
        if intent in ("complaint", "service_request", "suggestion"):
            return routes.open_ticket(turn, kind=intent, text=text, classification=c)
        return Reply(text=texts.NOT_UNDERSTOOD)
