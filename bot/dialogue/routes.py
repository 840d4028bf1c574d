"""What the dialogue does once it knows what a message is: answer, open a ticket, hand over, show status."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.dialogue import texts
from bot.dialogue.engine import Turn
from bot.inbound import Reply, bare
from bot.models import Conversation
from bot.tickets import service as tickets

HANDOFF_ACK_EVERY = timedelta(minutes=10)
HANDOFF_NUDGE_EVERY = timedelta(minutes=1)  # 「人呢」 is answered at most once a minute
_NUDGE = re.compile(r"^(喂|哈喽|你好)?(人呢|有人吗|有人在吗|有没有人|在吗|在不在|还在吗|人在吗|怎么没人(回|理|说话|管)?|还没人(回|理)?|"
                    r"怎么不(回|理人|说话)|回(复)?一下|理一下我|快点|等了好久|等半天了|等了半天)(啊|呀|呢|了)?[?？。!！.…]*$")


def start_handoff(turn: Turn, reason: str) -> Reply:
    """Hand the conversation to staff: it appears in the admin inbox as waiting."""
    conv = turn.conversation
    if conv.handoff is None:
        conv.handoff = "waiting"
        conv.handoff_reason = reason
        conv.assignee_id = None
    conv.data = {**(conv.data or {}), "handoff_ack_at": turn.now.isoformat()}
    return Reply(text=texts.HANDOFF_STARTED, meta={"handoff": reason})


def end_handoff(conv: Conversation) -> None:
    conv.handoff = None
    conv.handoff_reason = None
    conv.assignee_id = None


def acknowledge_waiting(turn: Turn) -> Reply:
    """While a person handles the chat, say so at most once every ten minutes, and answer 「人呢」 at most once a
    minute; otherwise stay quiet (staff answer from the inbox)."""
    data = turn.conversation.data or {}
    last = data.get("handoff_ack_at")
    nudge = bool(_NUDGE.match((turn.text or "").replace(" ", "")))
    if last and turn.now - _parse(last) < (HANDOFF_NUDGE_EVERY if nudge else HANDOFF_ACK_EVERY):
        return Reply(meta={"handoff": "waiting"})
    turn.conversation.data = {**data, "handoff_ack_at": turn.now.isoformat()}
    if nudge:
        return Reply(text=texts.HANDOFF_NUDGED.get(turn.conversation.handoff or "waiting", texts.HANDOFF_NUDGED["waiting"]),
                     meta={"handoff": "waiting", "nudge": True})
    return Reply(text=texts.HANDOFF_WAITING, meta={"handoff": "waiting"})


def _parse(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)


def _quoted(text: str) -> str:
    """A resident's words as quoted back: up to 20 characters, then 「…」."""
    return text if len(text) <= 20 else text[:20] + "…"


def show_status(turn: Turn) -> Reply:
    """The resident's tickets: status, deadline and who (which grid) has it."""
    from bot.tickets.intake import paused_line

    rows = tickets.tickets_of_resident(session=turn.session, resident=turn.inbound.user_id)
    kept = paused_line(turn)  # a report left part-way is not a ticket, but the resident may be looking for it
    if not rows:
        return Reply(text=f"{texts.NO_TICKETS}\n{kept}" if kept else texts.NO_TICKETS)
    lines = ["您的事项："]
    for t in rows:
        handler = (f"｜处理人：{tickets.handler_name(session=turn.session, ticket=t)}"
                   if (t.handler_id or t.department_id) and t.status in tickets.OPEN_STATUSES else "")
        lines.append(texts.STATUS_LINE.format(
            number=t.number, status=texts.STATUS_NAMES.get(t.status, t.status),
            text=_quoted(t.text), where=_where(turn, t), handler=handler, deadline=_deadline(turn, t)))
    if kept:
        lines.append(kept)
    return Reply(text="\n".join(lines))


def _where(turn: Turn, ticket) -> str:
    from bot.org.service import community_name, place_label

    return (place_label(session=turn.session, grid_id=ticket.grid_id)
            or community_name(session=turn.session, community_id=ticket.community_id) or "街道")


def _deadline(turn: Turn, ticket) -> str:
    state = tickets.deadline_state(ticket=ticket, now=turn.now)
    if state == "none":
        return ""
    return f"｜时限 {tickets.local_time(ticket.deadline_at)}" + ("（已超期，已督办）" if state == "overdue" else "")


# 「能快点吗」, 「什么时候来修」, 「怎么还没人来」: hurrying the report already made, not a new one
_URGE = re.compile(r"快点|快一点|快些|尽快|抓紧|赶紧|赶快|催一下|催下|催催|帮我催|快来人|快来|来人啊|快派人|"
                   r"(什么|啥)时候(能|会|才)?(来人|来修|修|处理|解决|弄好|办好|修好|有人来|来)|"
                   r"怎么还没(有)?人?(来|修|处理|管|弄|回复|消息)|还要等多久|要等多久|等了(好|很|这么)?(久|几天)|"
                   r"多久(能|才能)?(修|处理|解决|弄好|来)")
URGE_MAX_LEN = 25  # characters: a longer message tells something new


def urge_if_asked(turn: Turn, classification) -> Reply | None:
    """A short 催办 while the resident has a ticket being worked on: noted on that ticket (and the grid told,
    at most daily), and the resident told where it stands. Not when the message is about another category:
    「怎么还没人修路灯」 with a 漏水 ticket open is a report of its own."""
    text = turn.text or ""
    if len(text) > URGE_MAX_LEN or not _URGE.search(text):
        return None
    ticket = tickets.latest_open_ticket(session=turn.session, resident=turn.inbound.user_id)
    if ticket is None:
        return None
    category = getattr(classification, "category", None)
    if category and ticket.category and category != ticket.category:
        return None
    return urge_ticket(turn, ticket, text)


def urge_ticket(turn: Turn, ticket, text: str) -> Reply:  # noqa: ANN001
    """催办 `ticket` with the resident's words, and tell them where it stands."""
    tickets.urge(session=turn.session, ticket=ticket, text=text, now=turn.now)
    if ticket.kind == "emergency" and _ask_emergency_place(turn, ticket):
        # 「快来人」 while the emergency's place is still unknown: hurried, and the place asked again
        return Reply(text="已再次提醒网格员。" + texts.EMERGENCY_WHERE, meta={"urged": ticket.number, "urgent": True})
    return Reply(text=texts.URGED.format(
        number=ticket.number, text=first_line(ticket),
        status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
        handler=(tickets.handler_name(session=turn.session, ticket=ticket)
                 if ticket.handler_id or ticket.department_id else "待派单"),
        deadline=_deadline(turn, ticket).replace("｜", "，")),
        meta={"urged": ticket.number})


# 「撤销」, 「我要撤回刚才的投诉」, 「已经修好了，不用来了」, 「不用处理了，自己弄好了」: the resident withdraws a report
_WITHDRAW = re.compile(
    r"^(我要|我想|请|麻烦|帮我)?(撤销|撤回|撤单|撤诉|取消)(一下)?(我的|刚才|刚刚|之前|上次|前面)?(的|那个|那条|这个)?"
    r"(工单|事项|反映|投诉|报修|登记|申请|举报|问题)?(吧|了)?$|"
    r"(已经|现在|刚刚|刚才|自己)?(修好|好|解决|弄好|处理好|搞定|没事|不漏|亮|通|来水|来电|清理干净|清走|不吵|安静|停|没|走|清)了"
    r".{0,8}(不用|不需要|别|无需|不必)(再)?(来|处理|管|修|上门|派人)|"
    r"(不用|不需要|别|无需|不必)(再)?(来|处理|管|修|上门|派人)了.{0,8}(已经|自己|现在)?(修好|好了|解决|弄好|处理好|搞定|没事)|"
    # 「已经修好了」 alone (not 「好了」, a nod): the resident says it is fixed; the question that follows says what for
    r"^(已经|现在|刚刚|都|自己)?(修好|弄好|解决|处理好|搞定)了(啊|哈|哦)?(谢谢|谢谢你们|谢谢啦)?$")
WITHDRAW_MAX_LEN = 30
_NUMBER = re.compile(r"#?\d{6}-\d{5}")
WITHDRAW_STATE = "withdraw_confirm"
WITHDRAW_WITHIN = timedelta(minutes=30)
WITHDRAW_CANCEL_WITHIN = timedelta(minutes=30)  # 「取消」 with nothing open, this soon after filing, means the report


def withdraw_if_asked(turn: Turn, *, cancel: bool = False) -> Reply | None:
    """The resident asks to withdraw their latest report still being worked on: asked to confirm first (a report
    withdrawn by a stray word would be lost). `cancel`: 「取消」 with nothing open, which means the report only
    when it was filed just now."""
    text = turn.text or ""
    number = _NUMBER.search(text)  # 「撤销 261208-00001」: that one, of two filed together
    words = _NUMBER.sub("", text).replace(" ", "")
    if not cancel and (len(words) > WITHDRAW_MAX_LEN or not _WITHDRAW.search(words)):
        return None
    ticket = (tickets.open_ticket_of(session=turn.session, resident=turn.inbound.user_id, number=number.group(0))
              if number else tickets.latest_open_ticket(session=turn.session, resident=turn.inbound.user_id, duplicates=True))
    if ticket is None:
        return None if cancel else Reply(text=texts.NOTHING_TO_WITHDRAW)
    if cancel and turn.now - ticket.created_at > WITHDRAW_CANCEL_WITHIN:
        return None
    if not tickets.may_withdraw(session=turn.session, ticket=ticket):  # staff verify first: nothing to confirm
        return withdrawn(turn, ticket, text)
    turn.set_state(WITHDRAW_STATE, number=ticket.number, said=text[:200], at=turn.now.isoformat())
    return Reply(text=texts.WITHDRAW_ASK.format(text=first_line(ticket), number=ticket.number),
                 meta={"withdraw": ticket.number})


def withdrawn(turn: Turn, ticket, said: str) -> Reply:  # noqa: ANN001
    """Withdraw the ticket (or, for an emergency or a case others joined, pass the resident's words on)."""
    done = tickets.withdraw(session=turn.session, ticket=ticket, text=said, now=turn.now)
    if done == "withdrawn":
        return Reply(text=texts.WITHDRAWN.format(text=first_line(ticket), number=ticket.number),
                     meta={"withdrawn": ticket.number})
    why = texts.WITHDRAW_NOTED_WHY["emergency" if ticket.kind == "emergency" else "others"]
    return Reply(text=texts.WITHDRAW_NOTED.format(text=first_line(ticket), number=ticket.number, why=why),
                 meta={"withdraw_noted": ticket.number})


def first_line(ticket) -> str:  # noqa: ANN001
    """The ticket's words as quoted back to the resident."""
    return _quoted(ticket.text.split("\n", 1)[0])


# 「补充一下，是3单元」, 「我搞错了，不是路灯，是楼道灯」 soon after filing: more about (or a correction of) the
# report just filed, not a new report (it was read as one, or asked 咨询 or 反映?)
_ADDITION = re.compile(r"^(我)?(再)?(补充|补充一下|补充下|补充一点|再说一下|忘了说|忘说了|还忘了说|更正|更正一下|纠正|纠正一下|"
                       r"搞错了|说错了|写错了|弄错了|我搞错了|刚才说错了|刚才写错了)[：:，,。！!\s]*(?P<rest>.+)$")
ADDITION_WITHIN = timedelta(hours=2)


def _another_matter(turn: Turn, ticket) -> bool:  # noqa: ANN001
    """The message is about another category than the ticket (「补充一下，电梯也坏了」 after a 路灯 report)."""
    category = getattr(turn.classification, "category", None)
    return bool(category and ticket.category and category != ticket.category)


ADD_STATE = "add_to_filed"  # 「补充」 alone: the next message is what is added
ADD_WITHIN = timedelta(minutes=30)


def add_to_filed_if_said(turn: Turn) -> Reply | None:
    """Words added to the resident's latest report still open, filed within ADDITION_WITHIN: on its timeline and to
    the group; the resident is told which report they went to. 「补充」 alone asks for the words."""
    said = (turn.text or "").strip()
    found = _ADDITION.match(said)
    alone = bare(said) in ("补充", "补充一下", "我要补充", "我想补充", "再补充一下", "补充几句")
    if not alone and (found is None or len(bare(found["rest"])) < 2):
        return None
    ticket = tickets.latest_open_ticket(session=turn.session, resident=turn.inbound.user_id, duplicates=True)
    if ticket is None or turn.now - ticket.created_at > ADDITION_WITHIN or _another_matter(turn, ticket):
        return None
    if alone:
        turn.set_state(ADD_STATE, number=ticket.number, at=turn.now.isoformat())
        return Reply(text=texts.ADD_WHAT.format(number=ticket.number, text=first_line(ticket)))
    return add_to_filed(turn, ticket)


def add_to_filed(turn: Turn, ticket) -> Reply:  # noqa: ANN001
    tickets.add_note(session=turn.session, ticket=ticket, text=turn.text, now=turn.now)
    return Reply(text=texts.ADDED_TO_FILED.format(number=ticket.number, text=first_line(ticket)),
                 meta={"added_to": ticket.number})


NOT_FIXED_WITHIN = timedelta(days=7)
NOT_FIXED_MAX_LEN = 15  # as survey_flow.LEFT_ANSWER_MAX: 「物业服务太差，上次的事也没解决，楼下又开始漏水了」 is a new matter


def not_fixed_if_said(turn: Turn) -> Reply | None:
    """「还是不亮」, 「根本没修好」 after the resident was told their report was resolved (and before, or instead of,
    answering the survey): the 回访 answer 未解决, so the ticket is reopened (it used to open a new report)."""
    from bot.scheduling.survey_flow import said_unresolved

    text = turn.text or ""
    if len(text) > NOT_FIXED_MAX_LEN or not said_unresolved(text):
        return None
    ticket = tickets.latest_resolved(session=turn.session, resident=turn.inbound.user_id, since=turn.now - NOT_FIXED_WITHIN)
    if ticket is None or _another_matter(turn, ticket):
        return None
    tickets.record_survey(session=turn.session, ticket=ticket, resolved=False, satisfaction=None, now=turn.now)
    return Reply(text=texts.NOT_FIXED_REOPENED.format(text=first_line(ticket), number=ticket.number),
                 meta={"reopened": ticket.number})


def pass_on_praise(turn: Turn) -> Reply:
    """Praise for someone's work goes to the grid group (the bound resident's grid, else their latest ticket's)."""
    from bot.org import service as org

    place = org.resident_place(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)
    where = tickets.pass_on_praise(session=turn.session, resident=turn.inbound.user_id,
                                   grid_id=place.grid_id if place else None, text=turn.text,
                                   key=turn.inbound.dedupe_key, now=turn.now)
    return Reply(text=texts.PRAISED[where], meta={"praise": where})


# 「我们的网格员是谁」, 「网格员电话多少」, 「怎么联系网格员」: who looks after the resident's grid (the names and
# phones on every community's 网格员公示牌), not a policy question for the FAQ to miss
_GRID_WORKER = re.compile(r"(网格员|网格长|处理人|负责人)[^，。？?]{0,8}(是谁|叫什么|叫啥|电话|手机|号码|联系方式|微信|怎么联系|哪位)|"
                          r"(我的|我们的|我们这|我们楼|我家|我们小区|咱们)的?(网格员|网格长)(是谁|是哪位)?[?？]*$|"
                          r"(怎么|如何|想)(找|联系)(一下)?(网格员|网格长)|"
                          r"^(我|我家|我们|我们家|我们楼)(是|在|属于|归)?(哪个|什么|哪一个)网格")
GRID_WORKER_MAX_LEN = 30
# 「电话多少」, 「他手机号呢」 right after the grid worker was named: the same answer (it was an FAQ miss)
_GRID_WORKER_AGAIN = re.compile(r"^(那|那么)?(他|她|网格员|网格长)?(的)?(电话|手机|手机号|联系方式|号码|联系电话)(号码)?(是)?"
                                r"(多少|是多少|几号|呢|给一下|发一下|给我一下|发我一下)?(啊|呀)?[?？。]*$")
GRID_WORKER_KEY = "grid_worker"  # conversation.data: when the grid worker was last named
GRID_WORKER_AGAIN_WITHIN = timedelta(minutes=10)


def grid_worker_if_asked(turn: Turn) -> Reply | None:
    """The bound resident's grid worker(s) with their work phone (else those of the grid of their open report); a
    resident with neither is told how to bind."""
    from sqlalchemy import select

    from bot.org import service as org
    from bot.org.models import Staff

    text = turn.text or ""
    data = turn.conversation.data or {}
    again = (_GRID_WORKER_AGAIN.match(text.replace(" ", ""))
             and turn.kept_within(data.get(GRID_WORKER_KEY), GRID_WORKER_AGAIN_WITHIN))
    if not again and (len(text) > GRID_WORKER_MAX_LEN or not _GRID_WORKER.search(text)):
        return None
    turn.conversation.data = {**data, GRID_WORKER_KEY: {"at": turn.now.isoformat()}}
    place = org.resident_place(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)
    grid_id = place.grid_id if place is not None else None
    if grid_id is None:  # not bound: the grid of the report they have open, if any (「处理人电话多少」 after filing)
        ticket = tickets.latest_open_ticket(session=turn.session, resident=turn.inbound.user_id)
        grid_id = ticket.grid_id if ticket is not None else None
    if grid_id is None:
        return Reply(text=texts.GRID_WORKER_UNBOUND, meta={"grid_worker": None})
    staff = turn.session.execute(
        select(Staff.display_name, Staff.phone, Staff.role)
        .where(Staff.grid_id == grid_id, Staff.active.is_(True), Staff.role.in_(("grid_worker", "grid_chief")))
        .order_by(Staff.role.desc(), Staff.id)).all()  # the worker first, then the chief
    label = org.place_label(session=turn.session, grid_id=grid_id)
    if not staff:
        return Reply(text=texts.GRID_WORKER_NONE.format(place=label), meta={"grid_worker": grid_id})
    people = "；".join(f"{texts.ROLE_NAMES.get(role, '')}{name}" + (f"，电话 {phone}" if phone else "")
                       for name, phone, role in staff)
    return Reply(text=texts.GRID_WORKER.format(place=label, people=people), meta={"grid_worker": grid_id})


# 「能不能不要让店家知道是我举报的」, 「举报人信息会保密吗」, 「会不会泄露我的信息」: a short question about who
# learns that the resident reported it (the wish and what it is about in one long message stays a report)
_CONFIDENTIAL = re.compile(
    r"(不要|别|不想|不希望|不能|能不能不|可不可以不|能否不|会不会|怕|担心|害怕).{0,8}(知道|发现|查到|认出|告诉).{0,6}"
    r"(是我|我的?(名字|身份|信息|电话|姓名|手机))|"
    r"(举报人|反映人|投诉人|我的)(的)?(信息|身份|名字|姓名|电话|手机号?)?.{0,4}(保密|泄露|泄漏|透露|公开)|"
    r"(保密|泄露|泄漏|透露|公开).{0,6}(我的|举报人|反映人|投诉人)(的)?(信息|身份|名字|姓名|电话|手机号?)|"
    r"(会不会|会|别|不要|能不能不|可不可以不)把我的?(名字|身份|信息|电话|姓名|手机号?).{0,6}(告诉|给|透露|泄露)")
CONFIDENTIAL_MAX_LEN = 40


def confidentiality_asked(text: str | None) -> bool:
    return bool(text) and len(text) <= CONFIDENTIAL_MAX_LEN and bool(_CONFIDENTIAL.search(text))


_OUT_OF_SCOPE = re.compile(r"^(请问)?(明天|今天|后天|今晚|这两天|周末)?(的)?(天气(怎么样|如何|好吗|好不好|预报)|会不会下(雨|雪)|"
                           r"会下(雨|雪)(吗)?|下(雨|雪)(吗|了吗)|气温(多少|是多少)?|(几|多少)度)[?？吗呢啊呀]*$|"
                           r"^(请问)?(现在)?(几点了|几点钟了|今天几号|今天星期几|今天周几)[?？吗呢啊呀]*$|"
                           r"^(给我)?(讲|说)(个|一个)笑话|^(给我)?唱(首|一首)歌|^陪我聊")
_UPSET = re.compile(r"^((你们|你|社区|居委会|街道|网格员)(都是|就是|真是|简直是?|全是)?|(都是|就是|真是|简直是?|全是))"
                    r"(一群|一帮|一堆)?(废物|饭桶|垃圾|没用的东西|什么东西|骗子|吃干饭的|白吃饭的)(啊|吧|呀|！|!)*$|"
                    r"^(废物|饭桶|吃干饭的)(啊|！|!)*$")
SCOPE_MAX_LEN = 20


def out_of_scope(text: str | None) -> Reply | None:
    """A short message about the weather or the time (not for the FAQ, nor for staff's unanswered log), or anger
    with nothing said about what went wrong: a plain reply."""
    said = bare(text or "")
    if not said or len(said) > SCOPE_MAX_LEN:
        return None
    if _UPSET.match(said):
        return Reply(text=texts.UPSET, meta={"upset": True})
    if _OUT_OF_SCOPE.search(said):
        return Reply(text=texts.OUT_OF_SCOPE, meta={"out_of_scope": True})
    return None


# 「停水了什么时候来水啊」, 「今天怎么停电了」: an outage asked about (a question word, ≤ 30 characters)
_OUTAGE = re.compile(r"(?<![机车瓶卡表池])(停|断|没|没有)(水|电|气|暖气|暖)|(来|通)(水|电|气|暖)")  # not 手机没电
_OUTAGE_ASKED = re.compile(r"什么时候|啥时候|几点|多久|何时|多长时间|怎么|咋|为什么|为啥|是不是|吗|么|呢|[?？]")
OUTAGE_MAX_LEN = 30
OUTAGE_DAYS = 3
_OUTAGE_KIND = {"水": "停水", "电": "停电", "气": "停气", "暖气": "停暖", "暖": "停暖"}
# how a notice words that outage: 「停水」, 「暂停供水」, 「供水将中断」, 「停止供暖」
_NOTICE_WORDS = {kind: re.compile(f"{kind}|(暂停|停止|中断)(供)?{kind[1]}|供{kind[1]}.{{0,6}}(暂停|停止|中断)")
                 for kind in set(_OUTAGE_KIND.values())}


def outage_if_asked(turn: Turn, classification) -> Reply | None:  # noqa: ANN001
    """The notices of the last OUTAGE_DAYS days about that outage sent to the resident's grid (every grid when
    they are not bound), else that none was sent; either way 「2」 registers a repair. Not for a complaint
    (「停水三天了没人管」 is a report) nor an emergency."""
    from sqlalchemy import select

    from bot.org import service as org
    from bot.org.models import Grid
    from bot.scheduling.models import Announcement

    text = (turn.text or "").strip()
    found = _OUTAGE.search(text) if len(text) <= OUTAGE_MAX_LEN else None
    if found is None or not _OUTAGE_ASKED.search(text) or classification.rule_fired_for("complaint"):
        return None
    kind = _OUTAGE_KIND[found.group(2) or found.group(4)]
    place = org.resident_place(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)
    grid = turn.session.get(Grid, place.grid_id) if place and place.grid_id else None
    since = turn.now - timedelta(days=OUTAGE_DAYS)
    rows = turn.session.execute(select(Announcement).where(Announcement.created_at >= since)
                                .order_by(Announcement.id.desc())).scalars()
    said = _NOTICE_WORDS[kind]
    notices = [a for a in rows if said.search(a.text) and (grid is None or grid.code in (a.grid_codes or []))][:2]
    from bot.dialogue.handlers import Clarification

    turn.set_state(Clarification.state, text=text, offer=True)
    if not notices:
        return Reply(text=texts.OUTAGE_NONE.format(kind=kind), meta={"outage": kind, "notices": []})
    lines = "\n".join(f"【{tickets.local_time(a.created_at)}】{a.text}" for a in notices)
    return Reply(text=texts.OUTAGE_NOTICES.format(kind=kind, notices=lines),
                 meta={"outage": kind, "notices": [a.id for a in notices]})


def open_ticket(turn: Turn, *, kind: str, text: str, classification, then_ask: str | None = None) -> Reply:
    """A complaint, request or suggestion: ask what is missing (where, a photo), then confirm, then record.
    `then_ask`: a question asked in the same message, answered when the report is filed or dropped."""
    from bot.tickets.intake import start_intake

    return start_intake(turn, kind=kind, text=text, classification=classification, then_ask=then_ask)


# 「我想问下居住证怎么办，还有楼下垃圾好几天没人收了」: a question and a report in one message, joined by 还有,
# 另外, 顺便…; read whole it is a question (the report was lost) or a menu for 居住证
_ALSO = re.compile(r"[，,。；;！!？?\s]+(还有|另外|再就是|再有|顺便|顺带|对了|此外)(就是|呢|的是|一件事|一个事|个事)?[，,：:、]?")
PART_MIN = 4  # characters each part must have (punctuation aside)
REPORT_KINDS = ("complaint", "service_request", "suggestion")


def _two_parts(joint: re.Pattern[str], text: str) -> list | None:
    """The message cut at the first `joint` (还有, 另外, 而且…) into two parts of PART_MIN characters or more, each
    with its own classification; None when there is no such cut."""
    found = joint.search(text or "")
    if found is None:
        return None
    head, tail = text[:found.start()].strip(), text[found.end():].strip()
    if min(len(bare(head)), len(bare(tail))) < PART_MIN:
        return None
    import intents

    return [(part, intents.classify(part)) for part in (head, tail)]


def two_matters(text: str):  # noqa: ANN201
    """The message's two parts when they are two matters, each on its own cue: ("report", question, report,
    the report's classification) when one part asks and the other reports (a complaint, repair, request or
    suggestion rule), ("questions", first, second) when both ask; else None."""
    parts = _two_parts(_ALSO, text)
    if parts is None:
        return None
    asks = [t for t, c in parts if c.intent == "question" and c.rule_fired_for("question")]
    tells = [(t, c) for t, c in parts if c.intent in REPORT_KINDS and c.rule_fired_for(c.intent)]
    if len(asks) == 2:
        return ("questions", *asks)
    if len(asks) == 1 and len(tells) == 1:
        return ("report", asks[0], *tells[0])
    return None


# 「3号楼电梯坏了，而且楼道灯也不亮」: two problems for two handlers (电梯 / 路灯), each on its own rule; one
# ticket under the first's category left the second to nobody
_AND_ALSO = re.compile(r"[，,。；;！!\s]+(而且|并且|同时|另外|还有|此外|再就是|再有)(就是|呢)?[，,：:、]?")


def two_reports(text: str):  # noqa: ANN201
    """(first, its classification, second, its classification) when the message reports two problems of
    different categories, each a complaint or request on its own cue; else None."""
    parts = _two_parts(_AND_ALSO, text)
    if parts is None:
        return None
    (a, ca), (b, cb) = parts
    if not all(c.intent in ("complaint", "service_request") and c.rule_fired_for(c.intent) and c.category
               for _, c in parts) or ca.category == cb.category:
        return None
    return a, ca, b, cb


def open_two(turn: Turn, first: str, c1, second: str, c2) -> Reply:  # noqa: ANN001
    """One intake (where, photo, confirm asked once) that files both reports."""
    from bot.tickets.intake import start_intake

    return start_intake(turn, kind=c1.intent, text=first, classification=c1, also=(second, c2), place_text=turn.text)


def named_answer(question: str, answer: str) -> str:
    """An answer headed by the question it answers (a follow-up's answer names its entry already)."""
    return answer if answer.startswith("关于「") else f"{texts.THEN_ANSWER.format(question=_quoted(question))}\n{answer}"


def take_both(turn: Turn, matters: tuple) -> Reply | None:  # noqa: ANN001
    """Both matters of a message (see two_matters), or None to read it whole (two questions neither of which the
    FAQ answers surely)."""
    if matters[0] == "report":
        return _answer_and_report(turn, *matters[1:])
    from bot.dialogue import faq

    first, second = matters[1:]
    known = [faq.answer_if_known(turn, first), faq.answer_if_known(turn, second)]
    if known == [None, None]:
        return None  # nothing was counted or remembered: the whole message goes its usual way
    if None not in known:  # each answer named, so the resident sees which is which
        text = "\n\n".join(named_answer(q, k.text) for q, k in zip((first, second), known))
        return Reply(text=text, meta={**known[1].meta, "faq_also": known[0].meta["faq"], "two_matters": True})
    sure, other = (known[0], second) if known[0] is not None else (known[1], first)
    rest = faq.answer(turn, other)  # its menu (kept open for the number) or 'not known' comes last
    return Reply(text=f"{sure.text}\n\n{named_answer(other, rest.text)}",
                 meta={**rest.meta, "faq_also": sure.meta["faq"], "two_matters": True})


def _answer_and_report(turn: Turn, question: str, report: str, classification) -> Reply:
    """The FAQ's answer at once when it has a sure one, then the report's intake; otherwise the report first, and
    the question answered (or its menu, or 'not known') once the report is filed or dropped."""
    from bot.dialogue import faq

    kind = classification.intent
    known = faq.answer_if_known(turn, question)
    if known is not None:
        intake = open_ticket(turn, kind=kind, text=report, classification=classification)
        also = texts.ALSO_REPORT.format(text=_quoted(report))
        return Reply(text=f"{known.text}\n\n{also}{intake.text}", meta={**known.meta, **intake.meta, "two_matters": True})
    intake = open_ticket(turn, kind=kind, text=report, classification=classification, then_ask=question)
    return Reply(text=texts.REPORT_FIRST.format(text=_quoted(report), question=_quoted(question)) + intake.text,
                 meta={**intake.meta, "two_matters": True})


def raise_emergency(turn: Turn, classification) -> Reply:
    """Safety first: tell the resident whom to call, open an urgent ticket (the service alerts the grid at once)."""
    from bot.tickets.intake import emergency_place

    c = classification
    ticket = tickets.create_ticket(
        session=turn.session,
        kind="emergency",
        text=turn.text,
        resident=turn.inbound.user_id,
        channel=turn.inbound.channel,
        category=getattr(c, "category", None),
        department=getattr(c, "department", None),
        urgency="emergency",
        now=turn.now,
        **emergency_place(turn),
    )
    safety = getattr(c, "safety_reply", None) or "如有危险请立即拨打 119（火警）/ 120（急救）/ 110（报警）。"
    told = "" if "通知网格员" in safety else "，已通知网格员"  # the safety text may say so already
    text = f"{safety}\n已记录{told}，编号 {ticket.number}。"
    if _ask_emergency_place(turn, ticket):  # 「王奶奶一个人住，好几天没见她出门了」 from someone not bound
        text += "\n" + texts.EMERGENCY_WHERE
    return Reply(text=text, meta={"ticket": ticket.number, "urgent": True})


EMERGENCY_WHERE_STATE = "emergency_where"
EMERGENCY_WHERE_WITHIN = timedelta(minutes=30)


def _ask_emergency_place(turn: Turn, ticket) -> bool:  # noqa: ANN001
    """When nothing says where the emergency is (no building, no place said, no location sent), the alert has no
    address to go to: the conversation waits for the place (handlers.EmergencyWhere), and True says to ask."""
    location = ticket.location or {}
    if ticket.building_id is not None or location.get("label") or location.get("lat"):
        return False
    turn.set_state(EMERGENCY_WHERE_STATE, number=ticket.number, at=turn.now.isoformat())
    return True


def more(turn: Turn) -> Reply:
    rest = (turn.conversation.data or {}).get("more")
    if not rest:
        return Reply(text=texts.NO_MORE)
    return Reply(text=rest)


