"""Dialogue flows of tickets: intake (where? photo? confirm), binding an address, and 连心树 anonymous opinions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.dialogue.engine import Turn
from bot.inbound import Reply, bare
from bot.org import service as org
from bot.tickets import service as tickets

WHAT, WHERE, PHOTO, CONFIRM = "intake_what", "intake_where", "intake_photo", "intake_confirm"
INTAKE_STATES = (WHAT, WHERE, PHOTO, CONFIRM)
BIND_WHERE, BIND_CONFIRM = "bind_where", "bind_confirm"
ANONYMOUS = "anon_opinion"
YES = {"确认", "是", "是的", "对", "对的", "好", "好的", "好嘞", "好滴", "提交", "确定", "确认提交", "可以", "可以的", "嗯",
       "嗯嗯", "行", "行吧", "中", "没问题", "ok", "yes"}  # 中: Henan's 好
NO = {"取消", "否", "不", "不是", "放弃", "算了", "不用了", "退出", "撤销", "撤回"}  # 撤销 at 「在哪里」 was taken as a place
# ... and said in more words: 「算了不用了」, 「那算了吧」, 「没事了，不麻烦了」 (these were added to the report as 补充)
_NO_SAID = re.compile(r"^(那|那就|还是|哦|噢|嗯)?((算了|不用了|不要了|不报了|不反映了|不登记了|不用登记了|没事了|不麻烦了|"
                      r"取消|取消吧|放弃|不弄了|不修了)(吧|啦|哈)?)+(谢谢|谢谢你|谢谢啦|谢了)?$")
SKIP = {"跳过", "没有", "不用", "不需要", "无", "不清楚", "不知道", "略过"}
# 「没有照片」, 「不方便拍」: 跳过 said of the photo (these were added to the report as 补充：没有照片)
_NO_PHOTO = re.compile(r"^(我)?(现在|暂时|这会)?((没有|没|不要|不用|不发|不需要|发不了|不方便发|没法发|不想发)(现场)?"
                       r"(照片|图片|相片|图|照)|(拍不了|不方便拍|没法拍|没拍|不拍|拍不到|不想拍)(照片|图片|相片)?)"
                       r"(了|啦|哦|呢|吧|哈)?$")
# 「我现在拍一下」, 「等一下我去拍」: a photo is coming (this was added to the report as 补充 and the photo step left)
_PHOTO_COMING = re.compile(r"^(好的?|行|嗯|可以)?(我)?(现在|马上|这就|等一?下|稍等|一会儿?|待会儿?)?(我)?(去|就)?"
                           r"(拍|照|发)(一下|一张|一个|个|张|几张)?(照片|图片|相片|照|图)?(给你|给您|过来|发过来|发给你)?"
                           r"(了|啊|哈|吧|哦)?$|^(稍等|等一下|等等|等会儿?|等一会儿?)(一下)?(啊|哈|哦)?$")
PHOTO_WAIT = "好的，拍好后直接发过来就行。不方便拍请回复「跳过」。"
# 「要多久能修好」, 「什么时候来人」 before the report is filed: the deadline it will have
_HOW_LONG = re.compile(r"(要|需要|得)?多久(能|才能|可以|会)?(修好|修|处理|解决|弄好|来人|来修|办好|有人来)|"
                       r"(什么|啥)时候(能|会|可以|才)?(来修|修好|处理|来人|解决|有人来|办好)|几天(能|可以)?(修好|处理|解决|办好)")
HOW_LONG_MAX = 15
HOW_LONG = "登记后会按时限办理：这类问题{what}一般 {span}内办结，处理进展会通知您。"
ESCAPES = {"人工", "转人工", "查询", "我的工单", "帮助", "菜单", "更多", "结束人工"}  # commands that leave the flow
RESUME = {"继续登记", "接着登记", "继续反映", "恢复登记", "继续办理", "接着办"}  # and 「继续」 when no 「更多」 waits
CONFIRM_KEPT = {"确认", "提交", "确定", "确认提交"}  # said with a report kept: meant for it, so it is shown again
# what drops a kept report outside the intake: said outright, not a bare 「不」/「算了」 meant for something else
# (also while a clarifying question or a menu waits: 「取消」 there would otherwise say nothing is in progress)
DROP_KEPT = {"取消", "取消登记", "放弃", "放弃登记", "不登记了", "不用登记了", "不要登记了", "不登记", "不用登记"}
PAUSED = "paused_intake"  # conversation.data key: the report left part-way, kept for FLOW_TTL["intake"]
ANONYMOUS_WORDS = {"匿名", "连心树", "匿名意见", "匿名反映", "匿名建议"}
TREE_WORDS = {"连心树", "匿名意见"}  # the 连心树 itself: a new opinion even part-way through a report
# 「我想匿名反映个事」, 「我要匿名举报楼下群租」, 「物业乱收费，我想匿名反映一下」: the wish to stay unnamed, said
# anywhere in the message; what is left once it is taken out is the opinion (or nothing, or a question about it)
_ANON_WISH = re.compile(
    r"(我|我们|本人)?(?P<want>想|要|希望|可以|能|能不能|可不可以)?(在连心树|通过连心树|用连心树)?(上|里)?"
    r"(?P<anon>匿名|不具名|不留名)(地|的)?(向|跟|给|和)?(社区|你们|领导|政府)?"
    r"(?P<verb>反映|举报|投诉|提|说|说说|讲|讲讲|建议|提出|留言|发表|提意见|提建议|写)?"
    r"(一下|下|个|一个|几个|点|一点|条|一条|些|一些)?(建议|意见|问题|情况|事|事情|事儿|诉求)?"
    r"(可以吗|行吗|吗|么|呢|吧)?")
ANON_FILLER = re.compile(r"^(你好|您好|领导好|在吗|请问)?(可以吗|行吗|吗|么|呢|吧)?$")
WHERE_TRIES = 2
FLOW_TTL = {"intake": timedelta(hours=2), "bind": timedelta(hours=2), "anonymous": timedelta(hours=24)}

ASK_WHAT = {"suggestion": "好的，请说说您的建议，我来为您登记。",
            "complaint": "好的，请说说是什么问题、在哪里，我来为您登记。",
            "service_request": "好的，请说说需要办什么或修什么、在哪里，我来为您登记。"}
ASK_WHAT_AT = "好的，{place}。请说说那里有什么问题，我来为您登记。"
ASK_WHAT_TEXT = "请再用文字简单说说是什么事，我来为您登记。"
ASK_WHAT_AGAIN = "收到照片。" + ASK_WHAT_TEXT
ASK_WHAT_NOTHING = "还没说是什么事呢。请用文字简单说说，我来为您登记；不需要登记请回复「取消」。"
# 「我想给社区提个建议」, 「我要投诉」, 「我要反映个问题」: the resident announces a report and says it in the next
# message. Only these words (and fillers) in the whole message: 「我要投诉物业」 already says what.
_ANNOUNCEMENT = re.compile(
    r"^(你好|您好|领导好|在吗)?(我|我们|本人)?(想|要|需要|准备|得|有)?(跟|向|给|和)?(社区|你们|小区|物业|领导|政府)?"
    r"((提|反映|投诉|举报|说|报|报修|求助|建议|提出|说说|讲讲|讲)(一下|下|个|一个|几个|点|一点|条|一条|些|一些)?"
    r"(建议|意见|问题|情况|事|事情|事儿|诉求)?"
    r"|(个|一个|几个|点|一点|条|一条|些|一些)(建议|意见|问题|情况|事|事情|事儿|诉求))"
    r"(要反映|想反映|要提|想提|可以吗|行吗|吗|呢|啊|呀|哈)?$")
# a place said in words that names no building on file: 「东门」, 「小区北门口」, 「3栋后面」, 「地下车库」
_PLACE_WORDS = re.compile(r"[0-9０-９]|[一二三四五六七八九十]+(号|栋|幢|楼|单元|期|区|层|门)|号|楼|栋|幢|单元|门|路|街|巷|院|园|区|场|库|室|层|厅|站|口|旁|边|"
                          r"附近|对面|后面|前面|里面|楼下|楼上|楼道|走廊|电梯|广场|花坛|亭|桥|河|湖|公园|超市|菜市场|"
                          r"学校|幼儿园|医院")
# ... and what a description has that a place name has not: 「他们不管事」, 「晚上黑漆漆的」, 「一直这样」
_TELLING_WORDS = re.compile(r"[不没别太很都还又也才真挺吗呢吧啊]|他们|我们|你们|一直|总是|经常|天天|好几|就是|那个|这个|什么|怎么|啥|谁|多久|何时|几时|能不能|"
                            r"可不可以|来人|修|管|处理|解决|赶紧|快点|麻烦|帮忙|帮我|的$|了$")
_DONT_KNOW = re.compile(r"^(我)?(也)?(不知道|不清楚|不太清楚|说不清|说不好|记不清|不记得)")  # as 「跳过」
_BUILDING_WORDS = re.compile(r"[0-9０-９一二三四五六七八九十]+(号楼|号|栋|幢|单元|楼)")
# a shared place of the estate named in a report: the bound resident's own building is then not where it is
# (「我家门口」, 「楼门口」 are at it)
_PUBLIC_PLACE = re.compile(r"(小区|社区|院子)?(?<![家户室楼栋元])(大门口|大门|门口|[东西南北正后侧]门口?)|(小区|社区)?(中心)?广场|地下车库|地下室|车库|停车场|"
                           r"小区花园|花园|公园|健身区|健身器材|篮球场|羽毛球场|活动室|菜市场|菜场|马路(边|上|对面)?|路口|路边|"
                           r"人行道|公交站|垃圾站|垃圾房|垃圾桶|垃圾箱|河边|湖边|绿化带|草坪|空地|围墙|外墙|小区(里|内|里面)|院子里|"
                           r"(小区|社区)(周边|附近|外面)")
# 「[图片]」 typed (or pasted from another chat) instead of the picture itself: no place, no photo, no words
PLACEHOLDER_SAID = "只收到了文字「{said}」，没有收到{what}。"
PLACEHOLDER_PHOTO = "照片请点输入框旁的「+」，从「相册」或「拍摄」发送。"
PLACE_TEXT_MAX = 30  # characters: longer is a description, not a place
PLACE_NAME_MAX = 12  # a short answer with no place word and nothing that tells is taken as a place name (火星基地)
ASK_WHERE = "请问是在哪里？请回复楼栋（如「3号楼」），或点「+」发送位置。不清楚可回复「跳过」。"
ASK_PHOTO = "如方便，请发一张现场照片；没有照片请回复「跳过」。"
CONFIRM_TEXT = "请确认要登记的事项：\n{summary}\n回复「确认」提交，回复「取消」放弃。"
MORE_WHERE = "已把这条补充到事项里。" + ASK_WHERE
NUMBER_WHERE = "请回复楼栋名称（如「3号楼」「5栋2单元」），或点「+」发送位置；不清楚可回复「跳过」。"
MORE_CONFIRM = "已补充。"
PLACE_NOTED = "已记下地点：{place}。"
PLACE_CHANGED = "已把地点改为：{place}。"
_CORRECTION = re.compile(r"^(不对|不是|错了|说错了|搞错了|写错了|弄错了|更正|纠正|更正一下)?[，,。！!\s]*(应该是|应该在|是在|是|在|改成|改为|换成)?")
ABANDONED = "好的，已取消，没有登记。"
DROPPED_KEPT = "好的，「{text}」已取消，没有登记。"
LEFT_UNFILED = "（您刚才反映的「{text}」还没有登记。需要登记的话，请再把问题发一次。）"
_KEPT = f"{FLOW_TTL['intake'] // timedelta(hours=1)} 小时"  # how long a report left part-way is kept, as the texts say
LEFT_PAUSED = ("（您刚才反映的「{text}」还没有登记，已为您保留 " + _KEPT + "：回复「继续登记」接着办，不用重说；"
               "回复「取消」不再登记。）")
RESUMED = "好的，接着登记「{text}」。"
KEPT_LINE = "另有「{text}」还没有登记（保留 " + _KEPT + "），回复「继续登记」接着办。"
NOTHING_PAUSED = "现在没有待继续登记的事项（没说完的事项保留 " + _KEPT + "）。请直接发送您要反映的问题。"
CREATED_DUPLICATE = ("已记录，编号 {number}。已有邻居反映过同样的问题（工单 {parent}），我们会一并办理，"
                     "办结时会通知您。回复「查询」可查看进度。")
BIND_ASK = "请回复您的楼栋单元（如「绑定 3号楼2单元」），或点「+」发送位置。"
BIND_CONFIRM_TEXT = "将您的住址登记为：{place}{unit}。回复「确认」完成绑定，回复「取消」放弃。"
BIND_SAID_NOTE = "\n（绑定后反映问题不用再说楼栋。如果是要反映那里的问题，直接说是什么事就行。）"
UNBOUND = "已解除绑定（原住址：{place}）。需要时回复「绑定 3号楼2单元」重新绑定。"
NOT_BOUND = "您还没有绑定住址。需要时回复「绑定 3号楼2单元」这样的住址。"
BIND_DONE = "绑定成功：{place}{unit}。以后反映问题时不用再说楼栋了。"
BIND_FAR = "没能根据位置找到附近的楼栋，请直接回复楼栋名称，如「3号楼2单元」。"
ANON_ASK = ("「连心树」匿名意见：请在下一条消息写下您的意见或建议。我们不会记录您的身份，"
            "工作人员看不到是谁发的（匿名意见不能查询进度）。回复「取消」放弃。")
ANON_DONE = "已匿名提交，感谢您的意见！"
ANON_DONE_AT_ONCE = ("已按您的意思匿名提交，感谢您的意见！我们不会记录您的身份（匿名意见不能查询进度）。"
                     "需要上门处理、跟踪进度的事，请不提「匿名」直接告诉我，我来为您登记。")
REDACT = {"redact": True}  # engine._log and the processor must keep nothing of this turn that names the sender
# 「匿名」 said part-way through a report: what it would mean is said first, since the resident gives up the
# follow-up; the answer to that offer turns the report into an opinion and forgets the conversation that told it
ANON_OFFER = ("可以匿名。匿名提交后，我们不会记录您的身份，工作人员看不到是谁反映的，刚才这段登记对话也会删除；"
              "但工作人员也就没法联系您，您也不能查询进度{photos}。\n回复「匿名提交」改为匿名；回复「实名」仍按原样登记。")
ANON_OFFER_PHOTOS = "，照片不会随匿名意见提交"
ANON_OFFER_AGAIN = "请回复「匿名提交」改为匿名提交，或回复「实名」仍按原样登记（可以查询进度）。"
ANON_CONVERTED = "已改为匿名提交，刚才这段登记对话已删除。感谢您的意见！我们不会记录您的身份（匿名意见不能查询进度）。"
ANON_YES = {"匿名提交", "匿名", "确认匿名", "匿名吧", "要匿名", "改为匿名", "改成匿名", "是", "是的", "对", "好", "好的",
            "可以", "行", "嗯", "嗯嗯", "ok"}
ANON_NO = {"实名", "实名登记", "实名吧", "还是实名", "不匿名", "不用匿名", "不要匿名", "不用了", "算了", "不", "不了",
           "按原样", "原样", "继续", "继续登记"}
ANON_FORGET_SLACK = timedelta(minutes=5)  # a message's dedupe row is written just before the turn's own clock starts


NEW_MESSAGE_INTENTS = ("question", "suggestion")
NEW_MESSAGE_CONFIDENCE = 0.5


def _a_new_message(turn: Turn) -> bool:
    """While asked where (or for a photo), the resident asks something else: 「居住证到期了续一下要带啥」.

    Not a place (no building named), and confidently a question or suggestion about another topic than the
    report's. 「什么时候来人？」 (no topic) or 「漏水物业管不管？」 (the same topic) stay in the flow, and so do
    complaints: 「楼上还在滴水」 is more about the same problem."""
    c = turn.classification
    if c.intent in ("status_query", "human"):
        return True
    if c.intent not in NEW_MESSAGE_INTENTS or c.needs_clarification or c.confidence < NEW_MESSAGE_CONFIDENCE:
        return False
    if not c.category or c.category == turn.flow_data.get("category"):
        return False
    return turn.state != WHERE or org.building_named(session=turn.session, text=turn.text) is None


def bare_number(word: str) -> bool:
    """「2」, 「１」: a reply meant for a numbered menu (one or two digits and nothing else)."""
    return word.isdigit() and len(word) <= 2


def _more_of_the_report(turn: Turn) -> bool:
    """At the summary: more words about the same problem (a complaint or request on no other topic), not a
    message of its own. 「我家天花板都泡了」 is; 「等一下」 and 「小区门口的路灯也坏了」 (another category) are not."""
    c = turn.classification
    if c.intent not in ("complaint", "service_request") or _a_new_message(turn):
        return False
    return not c.category or c.category == turn.flow_data.get("category") or c.confidence < 0.6


def _a_place(text: str) -> bool:
    """An answer to 「在哪里」 that reads as a place: a place word in it (「东门」, 「3栋后面」, 「地下车库」), or a short
    name (「火星基地」) — with nothing that tells a story (not 「他们不管事」, 「晚上黑漆漆的老人都不敢出门」)."""
    said = bare(text)
    if not 0 < len(said) <= PLACE_TEXT_MAX:
        return False
    if _TELLING_WORDS.search(said):  # 「晚上黑漆漆的老人都不敢出门」 has a 门 too: telling wins, unless a building is
        return bool(_BUILDING_WORDS.search(said))  # named outright (「3号楼后面那个」)
    return bool(_PLACE_WORDS.search(said)) or len(said) <= PLACE_NAME_MAX


def is_place(text: str) -> bool:
    """A short answer that names a place (a building, 「小区东门」, 「地下车库」), not a story."""
    return _a_place(text) and bool(_PLACE_WORDS.search(bare(text)))


def _place_corrected(turn: Turn):  # noqa: ANN202
    """At the summary, a building named as a correction (「不对，是7号楼2单元」, 「应该是5号楼」) or alone (「8号楼」):
    the building, else None. 「7号楼也有这个问题」 tells more, it corrects nothing."""
    text = turn.text.strip()
    rest = _CORRECTION.sub("", text, 1)
    if rest == text and _TELLING_WORDS.search(bare(text)):
        return None
    if not rest or not _a_place(rest) or not _BUILDING_WORDS.search(rest):
        return None
    return org.building_named(session=turn.session, text=rest, community_id=_community(turn, _resident(turn)))


def _added(report: str, said: str) -> str:
    """The report with 「补充：…」 added, unless those words are in it already (「路灯坏了」 sent three times)."""
    said = said.strip()
    lines = [line.removeprefix("补充：").strip() for line in report.split("\n")]
    return report if said in lines else f"{report}\n补充：{said}"


def _short(text: str, size: int = 15) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= size else first[:size] + "…"


def _word(text: str) -> str:
    return bare(text).lower()


def placeholder_said(text: str) -> str | None:
    """For 「[图片]」 typed or pasted (what WeChat shows for a photo it did not send): that only the text came
    through, and how to send a photo; None for any other message."""
    from intents.text import placeholder

    if not placeholder(text):
        return None
    said = text.strip()
    photo = "图" in said or "照" in said
    return PLACEHOLDER_SAID.format(said=said[:20], what="照片" if photo else "内容") + (PLACEHOLDER_PHOTO if photo else "")


def _set(turn: Turn, state: str, **data: Any) -> None:
    """Open (or move on in) a flow, noting when, so a flow left alone for too long lapses (a `since` in `data`, as
    in a draft read back from the flow, is replaced)."""
    turn.set_state(state, **{**data, "since": turn.now.isoformat()})


def _fresh(turn: Turn, flow: str) -> bool:
    since = turn.flow_data.get("since")
    return since is None or turn.now - datetime.fromisoformat(since) <= FLOW_TTL[flow]


def _passing_event(turn: Turn) -> bool:
    """Events that arrive by themselves (a reported location, entering the chat) must not end an open flow."""
    return turn.inbound.msg_type == "event" and turn.inbound.event in ("location", "enter_agent", "view", "scan")


def _spoken(turn: Turn) -> bool:
    return turn.inbound.msg_type in ("text", "voice") and bool(turn.text)


def _resident(turn: Turn):
    """The sender's id, grid_id, building_id and unit if they are a bound resident (a row to read, not to change)."""
    return org.resident_place(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)


def _community(turn: Turn, resident) -> int | None:
    return org.community_of_grid(session=turn.session, grid_id=resident.grid_id) if resident else None


def _place_of(turn: Turn, text: str, *, own: bool = True) -> dict[str, Any] | None:
    """A building named in the text, else (`own`) the resident's bound building."""
    resident = _resident(turn)
    building = org.building_named(session=turn.session, text=text, community_id=_community(turn, resident))
    if building:
        return {"building_id": building.id, "grid_id": building.grid_id, "unit": org.parse_unit(text)}
    if own and resident and resident.building_id:
        public = _PUBLIC_PLACE.search(text)
        if public:  # 「小区门口有人乱摆摊」 is not at the sender's door: their grid, and the place as they said it
            return {"grid_id": resident.grid_id, "location": {"label": public.group(0)}}
        return {"building_id": resident.building_id, "grid_id": resident.grid_id, "unit": resident.unit}
    return None


def _location_place(turn: Turn, sent: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The place of this message's location, or of `sent` (a location sent before, as kept): the nearest
    building's, with the location as sent."""
    if sent is None:
        loc = turn.inbound.location
        if loc is None:
            return None
        sent = {"lat": loc.latitude, "lng": loc.longitude, "label": loc.label}
    building = org.nearest_building(session=turn.session, latitude=sent["lat"], longitude=sent["lng"])
    place: dict[str, Any] = {"location": dict(sent)}
    if building:
        place.update(building_id=building.id, grid_id=building.grid_id)
    return place


# ---- sent before the report -------------------------------------------------------------------------------

# A photo or a location sent with nothing open, then the report in words (「<photo>」, 「井盖坏了」): kept in the
# conversation and put into the next report started within SENT_BEFORE_MINUTES, so the photo is not asked for
# again (it was, and the first one was lost). Only what the resident sent as a message: the 上报地理位置 event is
# where the phone is, not where the problem is.
SENT_BEFORE_KEY = "sent_before"
SENT_BEFORE_MINUTES = 30
SENT_BEFORE_PHOTOS = 9  # what one WeChat message can hold


def keep_sent_before(turn: Turn) -> None:
    """Keep the image or location of this message for a report the resident may describe next."""
    ib = turn.inbound
    data = dict(turn.conversation.data or {})
    kept = _fresh_sent_before(turn) or {}
    if ib.msg_type == "image":
        photo = {"type": "image", "media_id": ib.media_id, "pic_url": ib.pic_url}
        kept["photos"] = [*kept.get("photos", []), photo][-SENT_BEFORE_PHOTOS:]
    elif ib.msg_type == "location" and ib.location:
        loc = ib.location
        kept["location"] = {"lat": loc.latitude, "lng": loc.longitude, "label": loc.label}
    else:
        return
    data[SENT_BEFORE_KEY] = {**kept, "at": turn.now.isoformat()}
    turn.conversation.data = data


def _fresh_sent_before(turn: Turn) -> dict[str, Any] | None:
    kept = (turn.conversation.data or {}).get(SENT_BEFORE_KEY)
    if not isinstance(kept, dict) or not turn.kept_within(kept, timedelta(minutes=SENT_BEFORE_MINUTES)):
        return None
    return {k: v for k, v in kept.items() if k != "at"}


def _take_sent_before(turn: Turn, draft: dict[str, Any]) -> None:
    """Put what was sent before into the draft, and forget it: one report takes it. Photos are the report's; the
    location is `sent_location`, which `_placed` uses unless the report names a building (a place said before
    the report, `building_id` in the draft, stands)."""
    kept = _fresh_sent_before(turn)
    if SENT_BEFORE_KEY in (turn.conversation.data or {}):
        turn.conversation.data = {k: v for k, v in turn.conversation.data.items() if k != SENT_BEFORE_KEY}
    if not kept:
        return
    if kept.get("photos"):
        draft["attachments"] = [*draft.get("attachments", []), *kept["photos"]]
        draft["photo_done"] = True
    if kept.get("location") and not draft.get("building_id"):
        draft["sent_location"] = kept["location"]


# ---- intake ---------------------------------------------------------------------------------------------

def _routing(kind: str, text: str, c) -> dict[str, Any]:  # noqa: ANN001
    """What a report's ticket is filed with: its words and what the classifier says of them."""
    return {"kind": kind, "text": text, "category": getattr(c, "category", None),
            "department": getattr(c, "department", None), "urgency": getattr(c, "urgency", None) or "normal",
            "sla": getattr(c, "sla", None)}


def start_intake(turn: Turn, *, kind: str, text: str, classification, then_ask: str | None = None,
                 also: tuple[str, Any] | None = None, place_text: str | None = None) -> Reply:
    """Begin a ticket: remember what was said, then ask only for what is missing. `then_ask`: a question said in
    the same message, answered once the report is filed or dropped. `also`: a second report said in the same
    message (its text and classification), filed as a ticket of its own at the same place; `place_text`: where to
    read the place from (the whole message, when the report is a part of it)."""
    draft: dict[str, Any] = {**_routing(kind, text, classification), "attachments": [], "tries": 0,
                             "started": turn.now.isoformat()}
    if then_ask:
        draft["then_ask"] = then_ask
    if also:
        draft["also"] = _routing(also[1].intent, also[0], also[1])
    if place_text:
        draft["place_text"] = place_text
    _drop_paused(turn)  # one report at a time: the one the resident tells now
    _take_sent_before(turn, draft)
    if _announcement_only(text):  # 「我想提个建议」: what it is comes in the next message
        _set(turn, WHAT, **draft, announced=True)
        return Reply(text=ASK_WHAT.get(kind, ASK_WHAT["complaint"]), meta={"intake": "what"})
    return _placed(turn, draft)


def start_at_building(turn: Turn, building) -> Reply:  # noqa: ANN001
    """「3号楼」 alone with nothing open: a place with nothing said about it yet. Ask what the matter is there; the
    next message is the report, with the place already known."""
    draft = _draft_at(turn, building.id, building.grid_id, org.parse_unit(turn.text))
    _set(turn, WHAT, **draft)
    place = org.place_label(session=turn.session, grid_id=None, building_id=building.id) + (draft["unit"] or "")
    return Reply(text=ASK_WHAT_AT.format(place=place), meta={"intake": "what"})


def _draft_at(turn: Turn, building_id: int, grid_id: int | None, unit: str | None) -> dict[str, Any]:
    """A report with its place known and nothing said yet about it."""
    draft: dict[str, Any] = {"kind": "complaint", "kind_from_text": True, "text": "", "attachments": [], "tries": 0,
                             "announced": True, "started": turn.now.isoformat(),
                             "building_id": building_id, "grid_id": grid_id, "unit": unit, "where_done": True}
    _drop_paused(turn)
    _take_sent_before(turn, draft)
    return draft


def _with_report(turn: Turn, draft: dict[str, Any]) -> Reply:
    """The message is the report for `draft` (announced, or with only its place known): read as its own message."""
    c = turn.classification
    draft.update(text=turn.text, category=c.category, department=c.department,
                 urgency=c.urgency or "normal", sla=c.sla, announced=False)
    if draft.get("kind_from_text") and c.intent in ("complaint", "service_request", "suggestion"):
        draft["kind"] = c.intent  # only a place was said before: the report says what kind it is
    return _placed(turn, draft)


def _announcement_only(text: str) -> bool:
    return bool(_ANNOUNCEMENT.match(bare(text)))


def _taxonomy(category: str | None):  # noqa: ANN202
    """The taxonomy's Category of that name (how its matters are routed and asked for), or None."""
    import intents

    return intents.get_category(category) if category else None


def _on_site(category: str | None) -> bool:
    """Whether the category's matters happen somewhere (taxonomy `on_site`; false for papers: 「我要办个居住证明」
    has no site to name or photograph)."""
    found = _taxonomy(category)
    return found is None or found.on_site


def _placed(turn: Turn, draft: dict[str, Any]) -> Reply:
    """With the report's text known: take its place from it (or the resident's address), then ask what is missing."""
    text, kind = draft["text"], draft["kind"]
    # a place said before the report (「3号楼」, then the problem) stands unless the report names another building;
    # a suggestion (「建议小区多装几个充电桩」) is about the place it names, not about the sender's own building
    sent = draft.pop("sent_location", None)
    said = draft.get("place_text") or text
    if sent:  # a location sent before the words: the place, unless the words name a building
        place = _place_of(turn, said, own=False) or _location_place(turn, sent)
    else:
        place = _place_of(turn, said, own=not draft.get("building_id") and kind != "suggestion")
    if _above_grid(draft.get("category")) and kind in ("complaint", "service_request"):
        return _next(turn, _to_community(turn, draft, place))
    if place:
        draft.update(place, where_done=True)
    if not _photographed(draft.get("category")):  # 「腿脚不方便，想请人帮忙买菜」: where, yes; a photo of what?
        draft.update(photo_done=True)
    paperwork = kind == "service_request" and not _on_site(draft.get("category"))
    if kind == "suggestion" or paperwork:  # nothing on site to photograph
        if not place and not draft.get("building_id"):  # the sender's grid routes it
            resident = _resident(turn)
            draft.update(grid_id=resident.grid_id if resident else None, where_done=True)
        draft.update(photo_done=True)
    return _next(turn, draft)


def _photographed(category: str | None) -> bool:
    """Whether a photo is asked for the category's matters (taxonomy `photo`)."""
    found = _taxonomy(category)
    return found is None or found.photo


def _above_grid(category: str | None) -> bool:
    """Whether the category's matters are reviewed by the community, above the grid (taxonomy handler_type
    community: 「网格员态度很差」 must not be reviewed by that grid worker)."""
    found = _taxonomy(category)
    return found is not None and found.handler_type == "community"


def _to_community(turn: Turn, draft: dict[str, Any], place: dict[str, Any] | None) -> dict[str, Any]:
    """A complaint about staff conduct: no building, grid or photo; the community of the place named, else of the
    resident's address, else none (the street's office reviews it)."""
    grid_id = (place or {}).get("grid_id")
    resident = _resident(turn)
    if grid_id is None and resident:
        grid_id = resident.grid_id
    draft.update(grid_id=None, building_id=None, unit=None, location=None, where_done=True, photo_done=True,
                 above_grid=True, community_id=org.community_of_grid(session=turn.session, grid_id=grid_id))
    return draft


def _next(turn: Turn, draft: dict[str, Any]) -> Reply:
    if not draft.get("where_done"):
        _set(turn, WHERE, **draft)
        return Reply(text=ASK_WHERE, meta={"intake": "where"})
    if not draft.get("photo_done"):
        _set(turn, PHOTO, **draft)
        return Reply(text=ASK_PHOTO, meta={"intake": "photo"})
    _set(turn, CONFIRM, **draft)
    return Reply(text=CONFIRM_TEXT.format(summary=_summary(turn, draft)), meta={"intake": "confirm"})


def _summary(turn: Turn, draft: dict[str, Any]) -> str:
    lines = [f"内容：{draft['text'][:100]}"]
    if draft.get("also"):  # 「电梯坏了，而且楼道灯也不亮」: two tickets, for two handlers
        lines = [f"第1件：{draft['text'][:100]}", f"第2件：{draft['also']['text'][:100]}"]
    if draft.get("above_grid"):  # who reviews it, since that is what the resident needs to know here
        community = org.community_name(session=turn.session, community_id=draft.get("community_id"))
        lines.append(f"转交：{community + '工作人员' if community else '街道'}处理（不经网格员）")
        return "\n".join(lines)
    place = org.place_label(session=turn.session, grid_id=draft.get("grid_id"), building_id=draft.get("building_id"))
    place += draft.get("unit") or ""
    location = draft.get("location") or {}
    said = location.get("label") or ("已发送位置" if "lat" in location else "")
    if said and said not in place:  # 「东门」 said in words, or the label of a location sent
        place = f"{place} {said}" if place else said
    lines.append(f"地点：{place or '未提供'}")
    if draft.get("attachments"):
        lines.append(f"照片：{len(draft['attachments'])} 张")
    return "\n".join(lines)


def _unfiled(turn: Turn, reply: Reply, draft: dict[str, Any]) -> Reply:
    """`reply` to the message that left the intake, with the notice that the report was not filed.

    The draft is kept (「继续登记」 takes it up where it stopped) unless that message opened a report of its own.
    A report only announced (「我想提个建议」, nothing said yet) has nothing to keep or to mention."""
    if draft.get("announced"):
        return reply
    text = _short(draft.get("text", ""))
    if turn.state in (WHERE, PHOTO, CONFIRM):
        notice = LEFT_UNFILED.format(text=text)
    else:
        draft = {k: v for k, v in draft.items() if k != "since"}
        turn.conversation.data = {**(turn.conversation.data or {}), PAUSED: {**draft, "paused_at": turn.now.isoformat()}}
        notice = LEFT_PAUSED.format(text=text)
    return Reply(text=f"{reply.text}\n\n{notice}" if reply.text else notice, articles=reply.articles,
                 meta={**reply.meta, "intake": "left"})


def _paused(turn: Turn) -> dict[str, Any] | None:
    """The report left part-way, if it is still kept."""
    draft = (turn.conversation.data or {}).get(PAUSED)
    if not draft:
        return None
    if turn.now - datetime.fromisoformat(draft["paused_at"]) > FLOW_TTL["intake"]:
        _drop_paused(turn)
        return None
    return draft


def paused_line(turn: Turn) -> str | None:
    """For 「我的工单」: the report left part-way, if one is kept."""
    draft = _paused(turn)
    return KEPT_LINE.format(text=_short(draft.get("text", ""))) if draft else None


def _drop_paused(turn: Turn) -> None:
    data = turn.conversation.data or {}
    if PAUSED in data:  # assign only on change: an assigned JSON column is written back by the flush
        turn.conversation.data = {k: v for k, v in data.items() if k != PAUSED}


class Intake:
    """The open intake conversation: where → photo → confirm; nothing is stored until 「确认」."""

    name = "intake"

    def check(self, turn: Turn) -> Any | None:
        if turn.state not in INTAKE_STATES or not _fresh(turn, "intake"):
            return None
        ib = turn.inbound
        if _passing_event(turn):
            return "pass"
        if ib.msg_type == "image":
            return "image"
        if ib.msg_type == "location":  # at 在哪里 the answer; later a correction (it left the intake, report lost)
            return ("location" if turn.state == WHERE else "located") if ib.location and turn.state != WHAT else None
        if not _spoken(turn):
            return None
        if placeholder_said(turn.text) is not None:
            return "placeholder"
        word = _word(turn.text)
        if word in ESCAPES:
            return "escape"  # 人工, 查询 …: the flow is left, the command runs
        if Binding.ENTRY.match(turn.text):  # 「绑定」 (it was taken as a place name, or added to the report)
            return "bind"
        if word in NO or _NO_SAID.match(word):
            return "cancel"
        from bot.dialogue.routes import confidentiality_asked

        if confidentiality_asked(turn.text):  # 「别让店家知道是我举报的」: answered, and the step asked again
            return "confidential"
        if turn.state != WHAT and len(word) <= HOW_LONG_MAX and _HOW_LONG.search(word):
            return "how_long"  # 「要多久能修好」: the deadline this report will have (it was added as 补充)
        if turn.state == WHAT:  # what the report is: anything but a command, a confident question or a 「跳过」
            if word in SKIP or _NO_PHOTO.match(word):
                return "nothing"  # 「跳过」 to 「请说说那里有什么问题」 (this filed a report with no text)
            c = turn.classification
            asks = (c.intent == "question" and not c.needs_clarification and c.confidence >= NEW_MESSAGE_CONFIDENCE
                    and bool(c.category))
            return "left" if c.intent in ("status_query", "human") or asks else "what"
        if turn.state == CONFIRM:
            if word in YES:
                return "yes"
            if word in SKIP or _NO_PHOTO.match(word) or bare_number(word):  # nothing to add: the summary again
                return "again"
            if _place_corrected(turn):  # 「不对，是7号楼2单元」: the place shown was wrong
                return "place"
            # more about the same problem (「我家天花板都泡了」) is added to it; anything else leaves, and is told
            # the report was not filed
            return "more" if _more_of_the_report(turn) else "left"
        if (turn.state == WHERE and word not in SKIP and turn.flow_data.get("tries", 0) >= WHERE_TRIES
                and org.building_named(session=turn.session, text=turn.text) is None):
            return "left"  # asked enough, and still no place: this is something else (and the report is unfiled)
        if word not in SKIP | YES and _a_new_message(turn):
            return "left"
        return "text"

    def handle(self, turn: Turn, match: str) -> Reply:
        draft = turn.flow_data
        if match == "pass":
            return Reply()
        if match == "cancel":
            turn.set_state(None)
            return _then_answer(turn, draft, Reply(text=ABANDONED, meta={"intake": "cancelled"}))
        if match in ("text", "what") and turn.classification.intent in ("emergency", "police"):
            from bot.dialogue.handlers import IntentRoute

            turn.set_state(None)
            return IntentRoute.route(turn, turn.classification.intent, turn.text)
        if match == "escape":  # 人工 / 查询 …: the command runs, and the resident hears the report was not filed
            from bot.dialogue import routes
            from bot.dialogue.handlers import Commands, command_of

            turn.set_state(None)
            command = command_of(turn.text)
            if command == "human":  # the staff who take the chat see what the resident was reporting
                reply = routes.start_handoff(turn, f"居民要求人工（未登记：{_short(draft.get('text', ''))}）"[:200])
            else:
                reply = Commands().handle(turn, command) if command else Reply()
            return _unfiled(turn, reply, draft)
        if match == "bind":  # binding starts; the report waits for 「继续登记」
            turn.set_state(None)
            return _unfiled(turn, Binding().handle(turn, "entry"), draft)
        if match == "left" and turn.state != WHAT and draft.get("text") and turn.text:
            aside = _asked_about_it(turn, draft)
            if aside is not None:  # 「需要什么材料」 while 「我想申请低保」 is being filed: answered, and the step asked again
                _set(turn, turn.state, **draft)
                from bot.dialogue.routes import named_answer

                return Reply(text=f"{named_answer(turn.text, aside.text)}\n\n{_step_prompt(turn, draft)}",
                             meta={**aside.meta, "intake": turn.state})
        if match == "left":  # a message of its own: answer it, and say plainly that the report was not filed
            from bot.dialogue.handlers import IntentRoute

            turn.set_state(None)
            return _unfiled(turn, IntentRoute().handle(turn, turn.classification) if turn.text else Reply(), draft)
        if match == "confidential":
            from bot.dialogue import texts

            _set(turn, turn.state, **draft)
            return Reply(text=texts.CONFIDENTIAL + "\n" + _step_prompt(turn, draft), meta={"confidential": True})
        if match == "located":  # a location sent at the photo step or the summary: the place, as sent
            place = _location_place(turn) or {}
            draft.update({"building_id": None, "unit": None, **place}, where_done=True)
            reply = _next(turn, draft)
            label = org.place_label(session=turn.session, grid_id=draft.get("grid_id"), building_id=draft.get("building_id"))
            said = (draft.get("location") or {}).get("label")
            return Reply(text=PLACE_CHANGED.format(place=label or said or "已发送位置") + reply.text, meta=reply.meta)
        if match == "how_long":
            from bot.tickets.deadlines import effective_sla, sla_hours

            sla = effective_sla(sla=draft.get("sla"), urgency=draft.get("urgency"))
            hours = sla_hours()[sla]
            span = f"{hours:g} 小时" if hours < 48 else f"{hours / 24:g} 天"
            _set(turn, turn.state, **draft)
            what = f"（{draft['category']}）" if draft.get("category") else ""
            return Reply(text=HOW_LONG.format(what=what, span=span) + "\n" + _step_prompt(turn, draft),
                         meta={"intake": turn.state})
        if match == "nothing":
            _set(turn, WHAT, **draft)
            return Reply(text=ASK_WHAT_NOTHING, meta={"intake": "what"})
        if match == "what":  # the report itself, after 「我想提个建议」: read as its own message, kind as announced
            return _with_report(turn, draft)
        if match == "image":
            ib = turn.inbound
            draft["attachments"] = [*draft.get("attachments", []), {"type": "image", "media_id": ib.media_id,
                                                                    "pic_url": ib.pic_url}]
            if turn.state == WHAT:
                _set(turn, WHAT, **draft)
                return Reply(text=ASK_WHAT_AGAIN, meta={"intake": "what"})
            if turn.state == PHOTO:
                draft["photo_done"] = True
            return _next(turn, draft)
        if match == "placeholder":  # the step is asked again, saying what did not come through
            reply = _next(turn, draft) if turn.state != WHAT else Reply(text=ASK_WHAT_TEXT, meta={"intake": "what"})
            return Reply(text=placeholder_said(turn.text) + reply.text, meta=reply.meta)
        if match == "yes":
            return _then_answer(turn, draft, _create(turn, draft))
        if match == "again":
            return _next(turn, draft)
        if match == "place":
            building = _place_corrected(turn)
            draft.update(building_id=building.id, grid_id=building.grid_id, where_done=True,
                         unit=org.parse_unit(_CORRECTION.sub("", turn.text.strip(), 1)))
            if not (draft.get("location") or {}).get("lat"):  # a place said in words is what was corrected
                draft.pop("location", None)
            reply = _next(turn, draft)
            label = org.place_label(session=turn.session, grid_id=building.grid_id, building_id=building.id)
            return Reply(text=PLACE_CHANGED.format(place=label + (draft.get("unit") or "")) + reply.text, meta=reply.meta)
        if match == "more":
            draft["text"] = _added(draft["text"], turn.text)
            reply = _next(turn, draft)
            return Reply(text=MORE_CONFIRM + reply.text, meta=reply.meta)
        if turn.state == WHERE:
            return self._where(turn, draft, match)
        # PHOTO: 跳过, a building named after all (「7号楼」: the place, not more words), or more words about it
        word = _word(turn.text)
        building = None
        if word not in SKIP | YES and _a_place(turn.text):
            building = org.building_named(session=turn.session, text=turn.text,
                                         community_id=_community(turn, _resident(turn)))
        if _PHOTO_COMING.match(word):  # the photo is on its way: wait for it at this step
            _set(turn, PHOTO, **draft)
            return Reply(text=PHOTO_WAIT, meta={"intake": "photo"})
        if building is not None:
            draft.update(building_id=building.id, grid_id=building.grid_id, unit=org.parse_unit(turn.text),
                         where_done=True)
            _set(turn, PHOTO, **draft)
            label = org.place_label(session=turn.session, grid_id=building.grid_id, building_id=building.id)
            return Reply(text=PLACE_NOTED.format(place=label + (draft.get("unit") or "")) + ASK_PHOTO,
                         meta={"intake": "photo"})
        if word not in SKIP | YES and not _NO_PHOTO.match(word):
            draft["text"] = _added(draft["text"], turn.text)
        draft["photo_done"] = True
        return _next(turn, draft)

    @staticmethod
    def _where(turn: Turn, draft: dict[str, Any], match: str) -> Reply:
        if match == "location":
            place = _location_place(turn) or {}
            draft.update(place, where_done=True)
            return _next(turn, draft)
        if _word(turn.text) in SKIP | YES or _DONT_KNOW.match(_word(turn.text)):  # 「确认」 here: go on without one
            resident = _resident(turn)
            draft.update(grid_id=resident.grid_id if resident else None, where_done=True)
            return _next(turn, draft)
        if bare_number(_word(turn.text)):  # 「2」: an answer to some menu, not a place (nor more about the problem)
            draft["tries"] = draft.get("tries", 0) + 1
            _set(turn, WHERE, **draft)
            return Reply(text=NUMBER_WHERE, meta={"intake": "where"})
        building = org.building_named(session=turn.session, text=turn.text,
                                     community_id=_community(turn, _resident(turn)))
        c = turn.classification
        # more about the problem: a complaint or request cue fired (坏了, 没人管); a category alone is no cue, as
        # 「南门停车场」 names one (停车) and is a place
        cue = c.rule_fired_for("complaint", "service_request")
        reporting = c.intent in ("complaint", "service_request") and (cue or (c.confidence >= 0.6 and not c.category))
        if building is None and not reporting and _a_place(turn.text):
            # 「东门」, 「地下车库」: a place in words, not a building on file. Kept as said (the grid worker places
            # it at 初审); the grid is the resident's own if they are bound, else the community's queue decides
            resident = _resident(turn)
            draft.update(location={**(draft.get("location") or {}), "label": turn.text.strip()[:PLACE_TEXT_MAX]},
                         grid_id=draft.get("grid_id") or (resident.grid_id if resident else None), where_done=True)
            return _next(turn, draft)
        if building is None:
            # 「晚上黑漆漆的老人都不敢出门」, 「他们不管事」: more about the problem, not a place; kept, and the place
            # asked again (a reply that is neither a place nor a report counts towards WHERE_TRIES)
            draft["text"] = _added(draft["text"], turn.text)
            if not reporting:
                draft["tries"] = draft.get("tries", 0) + 1
            _set(turn, WHERE, **draft)
            return Reply(text=MORE_WHERE, meta={"intake": "where"})
        draft.update(building_id=building.id, grid_id=building.grid_id, unit=org.parse_unit(turn.text),
                     where_done=True)
        return _next(turn, draft)


class ResumeIntake:
    """「继续登记」 after a question or command left a report part-way: the draft is asked on from where it stopped;
    「取消」 drops it."""

    name = "resume_intake"

    def check(self, turn: Turn) -> Any | None:
        if turn.state in INTAKE_STATES or turn.inbound.msg_type != "text" or not turn.text:
            return None
        word = _word(turn.text)
        data = turn.conversation.data or {}
        if word in RESUME or (word == "继续" and not data.get("more")):
            draft = _paused(turn)
            return ("resume", draft) if draft else ("nothing", None) if word in RESUME else None
        if turn.state in (BIND_WHERE, BIND_CONFIRM) and _fresh(turn, "bind"):
            return None  # 「确认」/「取消」 answer the binding asked just now, not the report kept
        if word in CONFIRM_KEPT:  # never files by itself: the report is taken up at its step, to be confirmed there
            draft = _paused(turn)
            return ("resume", draft) if draft else None
        if word in DROP_KEPT:
            draft = _paused(turn)
            return ("drop", draft) if draft else None
        return None

    def handle(self, turn: Turn, match: tuple[str, dict[str, Any] | None]) -> Reply:
        what, kept = match
        if what == "nothing":
            return Reply(text=NOTHING_PAUSED)
        draft = {k: v for k, v in kept.items() if k != "paused_at"}
        _drop_paused(turn)
        if what == "drop":
            return Reply(text=DROPPED_KEPT.format(text=_short(draft.get("text", ""))), meta={"intake": "cancelled"})
        draft["tries"] = 0
        reply = _next(turn, draft)
        return Reply(text=RESUMED.format(text=_short(draft.get("text", ""))) + reply.text,
                     meta={**reply.meta, "resumed": True})


def _create(turn: Turn, draft: dict[str, Any]) -> Reply:
    """The resident said 「确认」: store the ticket (the only place the intake writes one), and the second one when
    the message told two matters; each reply says which is which."""
    also = draft.get("also")
    if not also:
        return _create_one(turn, draft)
    first = _create_one(turn, {**draft, "also": None})
    second = _create_one(turn, {**draft, **also, "also": None, "unit": draft.get("unit")})
    return Reply(text=f"第1件：{first.text}\n第2件：{second.text}", meta={**first.meta, "also": second.meta})


def _create_one(turn: Turn, draft: dict[str, Any]) -> Reply:
    from bot.dialogue import texts

    resident = _resident(turn)
    text = draft["text"] + (f"（{draft['unit']}）" if draft.get("unit") else "")
    if draft["kind"] != "suggestion":
        earlier = tickets.find_duplicate(session=turn.session, category=draft.get("category"),
                                         building_id=draft.get("building_id"), grid_id=draft.get("grid_id"), now=turn.now)
        if earlier is not None and earlier.resident == turn.inbound.user_id:
            # the same resident reporting the same problem again: not a second ticket (it said 「已有邻居反映过」
            # of their own report), but a 催办 of the first, with their new words and photos on its timeline
            from bot.dialogue import routes

            turn.set_state(None)
            urged = routes.urge_ticket(turn, earlier, text + (f"（另发照片 {len(draft['attachments'])} 张）"
                                                             if draft.get("attachments") else ""))
            return Reply(text=texts.REPORTED_AGAIN + urged.text, meta={**urged.meta, "again": earlier.number})
    ticket = tickets.create_ticket(
        session=turn.session, kind=draft["kind"], text=text, resident=turn.inbound.user_id,
        channel=turn.inbound.channel, category=draft.get("category"), department=draft.get("department"),
        grid_id=draft.get("grid_id"), building_id=draft.get("building_id"), urgency=draft.get("urgency") or "normal",
        sla=draft.get("sla"), location=draft.get("location"), attachments=draft.get("attachments"),
        resident_id=resident.id if resident else None, community_id=draft.get("community_id"), now=turn.now,
    )
    turn.set_state(None)
    if ticket.parent_id:
        parent = turn.session.get(type(ticket), ticket.parent_id)
        return Reply(text=CREATED_DUPLICATE.format(number=ticket.number, parent=parent.number),
                     meta={"ticket": ticket.number, "parent": parent.number})
    route = f"类别：{ticket.category}。" if ticket.category else ""
    return Reply(text=texts.TICKET_CREATED.format(number=ticket.number, route=route), meta={"ticket": ticket.number})


def _then_answer(turn: Turn, draft: dict[str, Any], reply: Reply) -> Reply:
    """`reply` (filed, or dropped) and then the answer to the question asked with the report, if one was."""
    question = draft.get("then_ask")
    if not question:
        return reply
    from bot.dialogue import faq
    from bot.dialogue.routes import named_answer

    answered = faq.answer(turn, question)
    return Reply(text=f"{reply.text}\n\n{named_answer(question, answered.text)}", meta={**answered.meta, **reply.meta})


def emergency_place(turn: Turn) -> dict[str, Any]:
    """Where an emergency is, without asking: the building in the text, else a location sent just before
    (「<位置>」, then 「着火了」), else the resident's building or grid; with the photos sent just before."""
    sent: dict[str, Any] = {}
    _take_sent_before(turn, sent)
    place = _place_of(turn, turn.text, own=not sent.get("sent_location"))
    if sent.get("sent_location") and not place:
        place = _location_place(turn, sent["sent_location"])
    # a bound resident's 「小区门口着火了」 has their grid and the place as said, no building (this raised KeyError)
    found = {k: place[k] for k in ("building_id", "grid_id", "location") if place and place.get(k)}
    if "grid_id" not in found:
        resident = _resident(turn)
        found["grid_id"] = resident.grid_id if resident else None
    return {**found, **({"attachments": sent["attachments"]} if sent.get("attachments") else {})}


# ---- binding --------------------------------------------------------------------------------------------

class Binding:
    """「绑定 3号楼2单元」 or a location: the resident's address and grid, after they confirm."""

    name = "bind"
    # 「我要改一下住址」, 「我搬家了」: the address on file is to change, so binding is asked again
    ENTRY = re.compile(r"^\s*(绑定|登记住址|绑定住址|绑定地址|(我)?(要|想)?(改|更改|修改|换|变更)(一下)?(我的)?(住址|地址|楼栋)|"
                       r"(我)?(家)?搬家了)")
    UNBIND = re.compile(r"^\s*(解绑|解除绑定|取消绑定|解除住址绑定|不要绑定了)[。!！\s]*$")

    def check(self, turn: Turn) -> Any | None:
        ib = turn.inbound
        if ib.msg_type == "text" and self.UNBIND.match(turn.text):
            return "unbind"
        if ib.msg_type == "text" and self.ENTRY.match(turn.text):
            return "entry"
        if turn.state not in (BIND_WHERE, BIND_CONFIRM) or not _fresh(turn, "bind"):
            return None
        if _passing_event(turn):
            return "pass"
        if turn.state == BIND_WHERE:
            if ib.msg_type in ("location",) and ib.location:
                return "location"
            if ib.msg_type == "text" and _word(turn.text) in NO:
                return "cancel"
            if ib.msg_type == "text" and org.building_named(session=turn.session, text=turn.text):
                return "text"
        if turn.state == BIND_CONFIRM and ib.msg_type == "text":
            word = _word(turn.text)
            if word in YES:
                return "yes"
            if word in NO:
                return "cancel"
            # 「我住在3号楼」 offered binding; 「楼道灯坏了」 next is a report there, not a 'no' to the offer
            if turn.flow_data.get("said") and turn.classification.intent in ("complaint", "service_request"):
                return "report"
        return None

    def handle(self, turn: Turn, match: str) -> Reply:
        if match == "pass":
            return Reply()
        if match == "cancel":
            turn.set_state(None)
            return Reply(text="好的，已取消绑定。")
        if match == "unbind":
            turn.set_state(None)
            place = org.unbind_resident(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id)
            return Reply(text=UNBOUND.format(place=place) if place is not None else NOT_BOUND, meta={"unbound": True})
        if match == "report":
            data = turn.flow_data
            turn.set_state(None)
            return _with_report(turn, _draft_at(turn, data["building_id"], data.get("grid_id"), data.get("unit")))
        if match == "yes":
            data = turn.flow_data
            org.bind_resident(session=turn.session, channel=turn.inbound.channel, openid=turn.inbound.user_id,
                              building_id=data.get("building_id"), grid_id=data.get("grid_id"), unit=data.get("unit"))
            turn.set_state(None)
            kept = paused_line(turn)  # a report left for the binding: say it is still there
            return Reply(text=BIND_DONE.format(place=data["place"], unit=data.get("unit") or "")
                         + (f"\n{kept}" if kept else ""), meta={"bound": True})
        if match == "location":
            loc = turn.inbound.location
            building = org.nearest_building(session=turn.session, latitude=loc.latitude, longitude=loc.longitude)
            if building is None:
                return Reply(text=BIND_FAR)
            return self._confirm(turn, building, None)
        building = org.building_named(session=turn.session, text=turn.text)
        if building is None:
            _set(turn, BIND_WHERE)
            return Reply(text=BIND_ASK)
        return self._confirm(turn, building, org.parse_unit(turn.text))

    @staticmethod
    def _confirm(turn: Turn, building, unit: str | None, *, said: bool = False) -> Reply:
        place = org.place_label(session=turn.session, grid_id=building.grid_id, building_id=building.id)
        _set(turn, BIND_CONFIRM, building_id=building.id, grid_id=building.grid_id, unit=unit, place=place, said=said)
        return Reply(text=BIND_CONFIRM_TEXT.format(place=place, unit=unit or "") + (BIND_SAID_NOTE if said else ""),
                     meta={"bind_offer": True} if said else {})


# 「我住在3号楼2单元」, 「我家是5栋301」 with nothing else: where the resident lives, so binding is offered
_LIVE_AT = re.compile(r"^(我|我们|我家|俺|俺家|本人)(家)?(就|现在)?(住在|住|在|是)(在)?")
LIVE_AT_MAX = 20
_N = "[0-9０-９一二三四五六七八九十百]+"
_ADDRESS_ONLY = re.compile(rf"[\u4e00-\u9fffA-Za-z]{{0,8}}?{_N}(号楼|号|栋|幢|楼|座)(的)?({_N}(单元|门|号))?({_N}(室|号|楼|层)?)?")


def offer_binding(turn: Turn) -> Reply | None:
    """Binding offered for a message that only says where the resident lives (a building named, nothing that tells
    a story); None otherwise, or when they are bound there already."""
    text = bare(turn.text or "")
    found = _LIVE_AT.match(text)
    if not found or len(text) > LIVE_AT_MAX:
        return None
    rest = text[found.end():]
    if not _ADDRESS_ONLY.fullmatch(rest):  # 「我家在3号楼，电梯坏了」 is a report
        return None
    building = org.building_named(session=turn.session, text=rest)
    if building is None:
        return None
    unit = org.parse_unit(rest)
    resident = _resident(turn)
    if resident and resident.building_id == building.id and (resident.unit or None) == (unit or None):
        return None
    return Binding._confirm(turn, building, unit, said=True)


# ---- 连心树 ---------------------------------------------------------------------------------------------

def _anonymous_wish(text: str) -> str | None:
    """A message that asks to stay unnamed: "entry" (the wish alone, or a question about it: the entry text says
    what anonymity means), "at_once" (the wish and what it is about, submitted at once: the resident said it should
    not carry their name, so it is never held in their conversation), or None (no such wish; an emergency or a
    police matter, which must reach their own fast path whatever was asked)."""
    if "匿名" not in text and "不具名" not in text and "不留名" not in text:  # every message passes here: be quick
        return None
    # the wish is said by a verb or a 想/要 (「收到一条匿名短信」 is about a message someone else did not sign)
    found = next((m for m in _ANON_WISH.finditer(text) if m["anon"] and (m["want"] or m["verb"])), None)
    if found is None:
        return None
    rest = _word(text[:found.start()] + text[found.end():])
    if ANON_FILLER.match(rest):
        return "entry"
    import intents  # the pure classifier: the turn's own classification would be logged with the sender

    intent = intents.classify(rest).intent
    if intent in ("emergency", "police"):
        return None
    return "at_once" if intent in ("complaint", "service_request", "suggestion") else "entry"


class AnonymousOpinion:
    """「连心树」 then the opinion: stored with no sender; every reply says REDACT so nothing logs who sent it."""

    name = "anonymous"

    def check(self, turn: Turn) -> Any | None:
        open_flow = turn.state == ANONYMOUS and _fresh(turn, "anonymous")
        if open_flow and _passing_event(turn):
            return "pass"  # a reported location must not end the flow: the next message is still anonymous
        if not _spoken(turn):
            return None
        word = _word(turn.text)
        reporting = turn.state in INTAKE_STATES and _fresh(turn, "intake") and bool(turn.flow_data.get("text"))
        if reporting and turn.flow_data.get("anon_offer"):  # the answer to 「可以匿名…回复「匿名提交」」
            if word in ANON_YES:
                return "convert"
            if word in ANON_NO:
                return "keep_name"
            if word in CONFIRM_KEPT:  # 「确认」: which of the two is not clear, and the choice cannot be undone
                return "offer_again"
        wish = "entry" if word in ANONYMOUS_WORDS else _anonymous_wish(turn.text)
        if reporting and wish == "entry" and word not in TREE_WORDS:  # 「匿名」, 「能匿名吗」 about the report being told
            return "offer"
        if open_flow and wish is None:
            if word in NO:
                return "cancel"
            import intents  # the pure classifier: the turn's own classification would be logged with the sender

            # 「连心树」, then 「楼道里着火了」: an emergency or a police matter takes its own fast path, with a name
            return None if intents.classify(turn.text).intent in ("emergency", "police") else "opinion"
        return wish

    def handle(self, turn: Turn, match: str) -> Reply:
        if match == "pass":
            return Reply()
        if match == "offer":
            draft = turn.flow_data
            _set(turn, turn.state, **{**draft, "anon_offer": True})
            photos = ANON_OFFER_PHOTOS if draft.get("attachments") else ""
            return Reply(text=ANON_OFFER.format(photos=photos), meta={"intake": "anonymous_offer"})
        if match == "offer_again":
            return Reply(text=ANON_OFFER_AGAIN, meta={"intake": "anonymous_offer"})
        if match == "keep_name":
            draft = {k: v for k, v in turn.flow_data.items() if k not in ("since", "anon_offer")}
            _set(turn, turn.state, **draft)
            return Reply(text="好的，仍按实名登记。" + _step_prompt(turn, draft), meta={"intake": turn.state})
        if match == "convert":
            return self._convert(turn)
        if match == "entry":
            draft = turn.flow_data if turn.state in INTAKE_STATES else None
            turn.set_state(None)
            # 「连心树」 part-way through a report: a new opinion; the report is kept for 「继续登记」, as when any
            # other message leaves it
            reply = _unfiled(turn, Reply(text=ANON_ASK, meta=REDACT), draft) if draft else Reply(text=ANON_ASK, meta=REDACT)
            _set(turn, ANONYMOUS)
            return reply
        reporting = turn.state in INTAKE_STATES
        if not reporting:  # an opinion said at once in the middle of a report leaves the report where it was
            turn.set_state(None)
        if match == "cancel":
            return Reply(text="好的，已取消。", meta=REDACT)
        import intents  # the pure classifier, called directly so the turn keeps no classification to log

        resident = _resident(turn)
        tickets.submit_opinion(session=turn.session, text=turn.text, community_id=_community(turn, resident),
                               category=intents.classify(turn.text).category,
                               today=turn.today)
        text = ANON_DONE_AT_ONCE if match == "at_once" else ANON_DONE
        if reporting:
            text += f"\n（「{_short(turn.flow_data.get('text', ''))}」还在登记中。）" + _step_prompt(turn, turn.flow_data)
        return Reply(text=text, meta=REDACT)

    @staticmethod
    def _convert(turn: Turn) -> Reply:
        """The report being told becomes an anonymous opinion: its words and place (not the flat, not the photos:
        both point to the sender), and nothing kept of the conversation that told it."""
        draft = turn.flow_data
        place = org.place_label(session=turn.session, grid_id=draft.get("grid_id"), building_id=draft.get("building_id"))
        said = (draft.get("location") or {}).get("label") or ""
        if said and said not in place:
            place = f"{place} {said}".strip()
        told = draft["text"].strip() + (f"；{draft['also']['text'].strip()}" if draft.get("also") else "")
        text = told + (f"（地点：{place}）" if place else "")
        community = (org.community_of_grid(session=turn.session, grid_id=draft["grid_id"]) if draft.get("grid_id")
                     else _community(turn, _resident(turn)))
        tickets.submit_opinion(session=turn.session, text=text, community_id=community, category=draft.get("category"),
                               today=turn.today)
        started = datetime.fromisoformat(draft["started"]) if draft.get("started") else turn.now - FLOW_TTL["intake"]
        _forget_since(turn, started)
        turn.set_state(None)
        return Reply(text=ANON_CONVERTED, meta=REDACT)


def _forget_since(turn: Turn, since: datetime) -> None:
    """Delete the chat log of the conversation from `since`, and the replies kept for WeChat's retries (the summary
    quotes the report): what is left must not tie the opinion to its sender."""
    from sqlalchemy import delete, update

    from bot.models import ChatMessage, ProcessedMessage

    turn.session.execute(delete(ChatMessage).where(ChatMessage.conversation_id == turn.conversation.id,
                                                   ChatMessage.created_at >= since))
    turn.session.execute(update(ProcessedMessage).where(ProcessedMessage.user_id == turn.inbound.user_id,
                                                        ProcessedMessage.created_at >= since - ANON_FORGET_SLACK)
                         .values(reply=None))


def _asked_about_it(turn: Turn, draft: dict[str, Any]) -> Reply | None:
    """The FAQ's sure answer to a question that names no service of its own (「需要什么材料」, 「在哪里办」), asked
    about the report being filed (「我想申请低保」); None when it is not such a question or the FAQ has none."""
    from bot.dialogue import faq
    from knowledge_base.matcher import follow_up

    if turn.classification.intent != "question" or not follow_up(turn.text):
        return None
    return faq.answer_if_known(turn, f"{draft['text'].split(chr(10), 1)[0]}，{turn.text}")


def _step_prompt(turn: Turn, draft: dict[str, Any]) -> str:
    """The question of the intake step the resident is at, asked again."""
    if turn.state == CONFIRM:
        return CONFIRM_TEXT.format(summary=_summary(turn, draft))
    return {WHAT: ASK_WHAT_TEXT, WHERE: ASK_WHERE, PHOTO: ASK_PHOTO}.get(turn.state, "")
