"""From a WeChat message to a ticket: the intake dialogue, binding, 查询, emergencies and police matters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.dialogue import texts
from bot.models import Conversation, Outbox
from bot.org.models import Resident
from bot.tickets import service
from bot.tickets.models import Ticket
from tests.wechat_platform import message_xml


class Chat:
    """A resident on the WeChat stand-in; commits the test's session between messages so the gateway can write."""

    def __init__(self, safe, session, user="oResident001"):
        self.safe, self.session, self.user = safe, session, user

    def _send(self, xml: str) -> str:
        self.session.commit()
        reply = self.safe.open_reply(self.safe.post(xml)).get("Content", "")
        self.session.expire_all()
        return reply

    def say(self, text: str) -> str:
        return self._send(message_xml("text", user=self.user, Content=text))

    def photo(self, media_id: str = "MEDIA123") -> str:
        return self._send(message_xml("image", user=self.user, PicUrl="http://mmbiz.example/p.jpg", MediaId=media_id))

    def location(self, lat: float, lng: float, label: str = "") -> str:
        return self._send(message_xml("location", user=self.user, Location_X=str(lat), Location_Y=str(lng),
                                      Scale="15", Label=label))

    def tickets(self) -> list[Ticket]:
        self.session.commit()
        return list(self.session.execute(select(Ticket).order_by(Ticket.id)).scalars())


@pytest.fixture
def chat(org, safe):
    return Chat(safe, org.session)


def test_a_wechat_complaint_through_every_state_to_closure_and_reopened(org, chat):
    s = org.session
    assert "在哪里" in chat.say("我要投诉，楼道灯坏了好几天没人修")
    assert chat.tickets() == []  # nothing stored before the resident confirms
    assert "照片" in chat.say("3号楼2单元")
    confirm = chat.photo()
    assert "3号楼" in confirm and "照片：1 张" in confirm and "确认" in confirm
    created = chat.say("确认")
    assert created.startswith("已记录，编号")
    [t] = chat.tickets()
    assert (t.status, t.kind, t.grid_id, t.building_id) == ("submitted", "service_request", org.grid("G01").id,
                                                            org.building("3号楼").id)
    assert t.number in created and t.attachments[0]["media_id"] == "MEDIA123" and "2单元" in t.text
    assert s.get(Conversation, 1).state is None

    grid1, chief1, dept1, community1 = (org.staff(u) for u in ("grid1", "chief1", "dept1", "community1"))
    service.review(session=s, actor=grid1, ticket=t)
    service.dispatch(session=s, actor=chief1, ticket=t, handler_id=dept1.id)
    assert "已派单" in chat.say("查询") and "和平一网格" in chat.say("查询") and "时限" in chat.say("查询")
    service.accept(session=s, actor=dept1, ticket=t)
    service.resolve(session=s, actor=dept1, ticket=t, resolution="已更换灯泡")
    service.record_survey(session=s, ticket=t, resolved=True, satisfaction=5)
    assert t.status == "closed" and "已关闭" in chat.say("查询")
    service.reopen(session=s, actor=community1, ticket=t, reason="居民又反映")
    assert t.status == "dispatched"
    told = [r.payload["text"] for r in s.execute(select(Outbox).where(Outbox.recipient == "oResident001")
                                                 .order_by(Outbox.id)).scalars()]
    assert len(told) == 4 and all(t.number in x for x in told)


def test_a_building_in_the_text_or_a_bound_address_skips_the_where_question(org, chat):
    assert "照片" in chat.say("投诉：3号楼楼道灯坏了一个星期了")
    assert "确认" in chat.say("跳过")
    assert "已记录" in chat.say("是")
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    assert "照片" in bound.say("我要投诉，楼道灯坏了好几天没人修")
    bound.say("跳过")
    bound.say("确认")
    assert chat.tickets()[-1].building_id == org.building("6号楼").id


def test_a_bound_residents_report_about_a_shared_place_is_not_filed_at_their_own_building(org, chat):
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    bound.say("小区门口有人乱摆摊")
    summary = bound.say("跳过")
    assert "小区门口" in summary and "6号楼" not in summary
    bound.say("确认")
    bound.say("我家门口的楼道灯坏了")  # at their door: their building
    assert "6号楼" in bound.say("跳过")
    bound.say("确认")
    gate, door = chat.tickets()
    assert (gate.building_id, gate.grid_id, gate.location["label"]) == (None, org.grid("G02").id, "小区门口")
    assert door.building_id == org.building("6号楼").id


def test_a_building_named_at_the_summary_corrects_the_place_and_more_words_do_not(org, chat):
    chat.say("下水道堵了，满屋子臭味")
    chat.say("7号楼1单元")
    chat.say("跳过")
    fixed = chat.say("不对，是7号楼2单元")
    assert fixed.startswith("已把地点改为") and "7号楼2单元" in fixed and "补充" not in fixed
    also = chat.say("3号楼也有这个问题")  # tells more: kept as 补充, the place stays
    assert "补充：3号楼也有这个问题" in also and "7号楼2单元" in also
    chat.say("确认")
    [t] = chat.tickets()
    assert t.building_id == org.building("7号楼").id and "（2单元）" in t.text and "1单元" not in t.text


def test_a_photo_or_location_sent_before_the_words_goes_into_the_report(org, chat):
    assert "图片会一并附上" in chat.photo("MEDIA_FIRST")
    assert "在哪里" in chat.say("井盖坏了")
    confirm = chat.say("9号楼")  # the photo is not asked for again
    assert "照片：1 张" in confirm and "9号楼" in confirm
    chat.say("确认")
    [t] = chat.tickets()
    assert [a["media_id"] for a in t.attachments] == ["MEDIA_FIRST"]
    # a location sent first places the next report; what was sent is taken once
    b = org.building("17号楼")
    chat.location(b.latitude, b.longitude, "光明路 8 号")
    assert "照片" in chat.say("路灯坏了")  # the place is known: only the photo is asked
    assert "17号楼" in chat.say("跳过")
    chat.say("确认")
    assert chat.tickets()[-1].building_id == b.id and chat.tickets()[-1].attachments == []
    assert "在哪里" in chat.say("楼道灯不亮")
    chat.say("取消")
    # a building named in the words is the place, and the location sent before is not shown beside it
    chat.location(b.latitude, b.longitude, "光明路 8 号")
    chat.say("9号楼井盖坏了")
    summary = chat.say("跳过")
    assert "9号楼" in summary and "光明路" not in summary


def test_a_location_sent_at_the_photo_step_or_the_summary_is_the_place_and_the_report_goes_on(org, chat):
    b = org.building("17号楼")
    chat.say("楼道灯坏了")
    chat.say("5号楼")
    moved = chat.location(b.latitude, b.longitude, "光明路 8 号")  # it left the intake: the report was lost
    assert "已把地点改为：光明社区 光明二网格 17号楼" in moved and "照片" in moved
    assert "光明路 8 号" in chat.say("跳过")
    chat.say("确认")
    [ticket] = chat.tickets()
    assert ticket.building_id == b.id and ticket.location["label"] == "光明路 8 号"


def test_a_photo_sent_long_before_is_not_put_into_a_later_report(org, chat):
    chat.photo("MEDIA_OLD")
    conv = org.session.execute(select(Conversation)).scalar_one()
    conv.data = {**conv.data, "sent_before": {**conv.data["sent_before"], "at": "2020-01-01T00:00:00+00:00"}}
    chat.say("井盖坏了")
    assert "照片" in chat.say("9号楼")


def test_a_location_message_finds_the_nearest_buildings_grid(org, chat):
    b = org.building("17号楼")
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    assert "照片" in chat.location(b.latitude + 0.0001, b.longitude, "光明路 8 号")
    chat.say("跳过")
    chat.say("确认")
    t = chat.tickets()[-1]
    assert (t.grid_id, t.building_id) == (org.grid("G05").id, b.id) and t.location["label"] == "光明路 8 号"


def test_withdraw_said_part_way_through_a_report_cancels_it(org, chat):
    chat.say("路灯坏了")
    assert "已取消" in chat.say("撤销")  # it was taken as the name of a place
    assert chat.tickets() == []


def test_the_report_sent_again_is_not_added_to_itself(org, chat):
    for _ in range(3):
        chat.say("路灯坏了")
    chat.say("3号楼")
    summary = chat.say("跳过")
    assert "内容：路灯坏了\n地点" in summary and "补充" not in summary


def test_cancel_stores_nothing(org, chat):
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    assert "照片" in chat.say("火星基地")
    assert "没有登记" in chat.say("取消")
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    chat.say("3号楼")
    chat.say("跳过")
    assert "没有登记" in chat.say("取消")
    assert chat.tickets() == []


@pytest.mark.parametrize("said", ["算了不用了", "那算了吧", "没事了，不麻烦了", "不用了谢谢"])
def test_giving_up_in_more_words_cancels_rather_than_adding_to_the_report(org, chat, said):
    chat.say("小区垃圾没人清运")
    assert "没有登记" in chat.say(said)
    assert "垃圾" not in chat.say("跳过")  # nothing of it is left waiting for an answer
    assert chat.tickets() == []


def test_more_about_the_problem_while_asked_where_is_kept_and_the_place_asked_again(org, chat):
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    more = chat.say("晚上黑漆漆的老人都不敢出门")
    assert "已把这条补充到事项里" in more and "没有找到" not in more
    assert "照片" in chat.say("3号楼")
    confirm = chat.say("跳过")
    assert "补充：晚上黑漆漆的老人都不敢出门" in confirm and "3号楼" in confirm
    assert chat.say("确认").startswith("已记录")
    [t] = chat.tickets()
    assert "楼道灯坏了" in t.text and "老人都不敢出门" in t.text


def test_a_place_said_in_words_that_is_no_building_on_file_is_kept_as_said(org, chat):
    """「东门」 is a place, not a building the registry knows: it is kept as the resident said it (the grid
    worker places it at 初审) instead of the resident being told it was not found and asked again."""
    chat.say("小区门口有人乱摆摊")
    assert "照片" in chat.say("东门")
    assert "地点：东门" in chat.say("跳过")
    assert chat.say("确认").startswith("已记录")
    [t] = chat.tickets()
    assert t.location == {"label": "东门"} and t.building_id is None and "东门" not in t.text


def test_answers_that_tell_the_problem_again_are_kept_and_after_two_something_else_leaves(org, chat):
    chat.say("我要投诉物业")
    more = chat.say("他们不管事")
    assert "已把这条补充到事项里" in more and "照片" not in more
    assert "已把这条补充到事项里" in chat.say("一直这样")
    reply = chat.say("低保怎么申请")
    assert "还没有登记" in reply and chat.tickets() == []


def test_i_do_not_know_where_is_taken_as_skip(org, chat):
    chat.say("我要投诉物业")
    assert "照片" in chat.say("我也不清楚在哪")


def test_no_photo_said_in_words_is_a_skip_not_more_about_the_problem(org, chat):
    chat.say("楼道灯坏了")
    chat.say("3号楼")
    confirm = chat.say("没有照片")
    assert confirm.startswith("请确认要登记的事项") and "补充" not in confirm
    assert chat.say("不方便拍") == confirm  # at the summary: nothing to add, the summary again
    chat.say("确认")
    [t] = chat.tickets()
    assert t.text == "楼道灯坏了" and t.attachments == []


@pytest.mark.parametrize("said", ["我现在拍一下", "等一下我去拍", "稍等"])
def test_a_photo_on_its_way_is_waited_for_not_added_to_the_report(org, chat, said):
    chat.say("井盖坏了")
    chat.say("7号楼")
    assert "拍好后直接发过来" in chat.say(said)
    summary = chat.photo()
    assert "照片：1 张" in summary and "补充" not in summary


def test_how_long_asked_before_filing_gets_the_deadline_the_report_will_have(org, chat):
    chat.say("路灯坏了")
    chat.say("5号楼")
    reply = chat.say("要多久能修好")  # it was added to the report as 补充
    assert "7 天内办结" in reply and "照片" in reply
    chat.say("跳过")
    assert "补充" not in chat.say("跳过")
    water = Chat(chat.safe, org.session, user="oHowLongWater")
    water.say("家里停水了")
    water.say("5号楼")
    assert "24 小时内办结" in water.say("什么时候能修好")


def test_a_place_alone_then_skip_asks_what_the_matter_is_and_files_nothing_empty(org, chat):
    assert "3号楼501室" in chat.say("3号楼501")  # the flat is kept with the building
    for nothing in ("跳过", "没照片"):
        assert "还没说是什么事" in chat.say(nothing)
    assert "照片" in chat.say("楼道灯不亮")
    assert "地点：和平社区 和平一网格 3号楼501室" in chat.say("跳过")
    assert chat.say("确认").startswith("已记录，编号")
    [t] = chat.tickets()
    assert t.text.startswith("楼道灯不亮") and "501室" in t.text and t.building_id == org.building("3号楼").id


def test_a_request_for_papers_asks_neither_where_nor_for_a_photo_but_a_visit_asks_where(org, chat):
    assert chat.say("我要办个居住证明").startswith("请确认要登记的事项")
    assert "已记录" in chat.say("确认")
    [t] = chat.tickets()
    assert (t.kind, t.category) == ("service_request", "证明开具")
    assert "在哪里" in chat.say("帮忙安排人定期来看看我家老人")  # a visit needs the address


def test_help_for_an_elder_asks_where_but_not_for_a_photo_and_a_home_visit_asked_for_is_a_request(org, chat):
    assert "在哪里" in chat.say("我是独居老人，腿脚不方便，想请人帮忙买菜")
    summary = chat.say("6号楼2单元301")
    assert summary.startswith("请确认要登记的事项") and "照片" not in summary
    assert "已记录" in chat.say("确认")
    visit = Chat(chat.safe, org.session, user="oWantsVisit")
    assert "在哪里" in visit.say("能不能让网格员来我家一趟，有事想当面说")  # it was an FAQ miss
    assert [t.category for t in chat.tickets()] == ["养老"]


def test_a_suggestion_skips_the_location_and_photo(org, chat):
    assert "确认" in chat.say("建议小区多装几个充电桩")
    assert "已记录" in chat.say("确认")
    assert chat.tickets()[0].kind == "suggestion"
    # a bound resident's suggestion is about the estate, not their building, and has nothing to photograph (it
    # used to ask for a photo and file it at 6号楼); a building the suggestion names is kept, still without a photo
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    summary = bound.say("建议在小区多装几个充电桩")
    assert "请确认" in summary and "和平二网格" in summary and "6号楼" not in summary
    bound.say("确认")
    assert (chat.tickets()[-1].grid_id, chat.tickets()[-1].building_id) == (org.grid("G02").id, None)
    summary = bound.say("建议3号楼门口装个路灯")
    assert "请确认" in summary and "3号楼" in summary


def test_the_same_resident_reporting_the_same_problem_again_hurries_the_first_not_a_second_ticket(org, chat):
    _filed(chat, "路灯坏了", "3号楼")
    chat.say("3号楼路灯坏了")
    chat.say("跳过")
    again = chat.say("确认")  # it said 「已有邻居反映过同样的问题」 of the resident's own report
    assert "您之前已经反映过同样的问题" in again and "已为您催办" in again and "邻居" not in again
    [ticket] = chat.tickets()
    timeline = service.timeline(session=org.session, ticket=ticket)
    assert timeline[-1].action == "urge" and "3号楼路灯坏了" in timeline[-1].reason


def test_a_second_report_of_the_same_problem_is_linked(org, chat):
    chat.say("投诉：3号楼楼道灯坏了一个星期了"); chat.say("跳过"); chat.say("确认")  # noqa: E702
    other = Chat(chat.safe, org.session, user="oNeighbour")
    other.say("投诉：3号楼楼道灯坏了一个星期了"); other.say("跳过")  # noqa: E702
    assert "已有邻居反映过" in other.say("确认")
    first, second = chat.tickets()
    assert second.parent_id == first.id


def test_an_emergency_is_an_urgent_ticket_with_an_alert_and_police_matters_never_a_ticket(org, chat):
    reply = chat.say("5号楼着火了")
    assert "119" in reply or "110" in reply
    [t] = chat.tickets()
    assert (t.kind, t.urgency, t.sla, t.grid_id) == ("emergency", "emergency", "emergency", org.grid("G02").id)
    assert t.deadline_at - t.created_at == timedelta(hours=2)
    alert = org.session.execute(select(Outbox).where(Outbox.kind == "robot")).scalar_one()
    assert alert.urgent and alert.recipient == f"grid:{t.grid_id}"
    assert "110" in chat.say("有人打架")
    assert len(chat.tickets()) == 1


def test_an_elder_alone_not_seen_for_days_is_an_urgent_ticket_with_an_alert_and_says_call_110(org, chat):
    reply = chat.say("5号楼的独居老人好几天没见出门了")
    assert "敲门" in reply and "110" in reply and "已记录" in reply
    [t] = chat.tickets()
    assert (t.kind, t.urgency) == ("emergency", "emergency")
    assert org.session.execute(select(Outbox).where(Outbox.kind == "robot")).scalar_one().urgent


def test_first_aid_for_a_dog_bite_comes_before_the_intake_question_and_only_once(org, chat):
    first = chat.say("我被小区里的狗咬了")
    advice, asked = first.split("\n", 1)
    assert "冲洗伤口" in advice and "狂犬病疫苗" in advice and "在哪里" in asked
    assert "冲洗伤口" not in chat.say("5号楼下面")
    assert "冲洗伤口" not in chat.say("跳过")
    assert "已记录" in chat.say("确认")
    [t] = chat.tickets()
    assert (t.category, t.urgency) == ("犬只", "high")


def test_an_emergency_at_a_shared_place_of_a_bound_residents_estate_is_filed(org, chat):
    # 「小区门口」 for a bound resident: their grid and the place as said. This raised KeyError and the resident
    # got 「系统繁忙」 instead of whom to call
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    assert "119" in bound.say("小区门口着火了")
    [t] = bound.tickets()
    assert (t.kind, t.grid_id, t.building_id, t.location) == ("emergency", org.grid("G02").id, None, {"label": "小区门口"})


def test_an_emergency_takes_the_location_and_photo_sent_just_before(org, chat):
    b = org.building("17号楼")
    chat.location(b.latitude, b.longitude, "光明路 8 号")
    chat.photo("MEDIA_FIRE")
    assert "119" in chat.say("着火了")
    [t] = chat.tickets()
    assert (t.kind, t.building_id, t.location["label"]) == ("emergency", b.id, "光明路 8 号")
    assert [a["media_id"] for a in t.attachments] == ["MEDIA_FIRE"]


def test_an_emergency_with_no_place_known_asks_for_it_and_the_alert_goes_out_again_with_it(org, chat):
    first = chat.say("我家隔壁的王奶奶一个人住，好几天没见她出门了")  # not bound, no building said
    assert "110" in first and "请马上回复具体位置" in first
    assert "已补充位置：5号楼301" in chat.say("5号楼301")
    [ticket] = chat.tickets()
    assert (ticket.kind, ticket.building_id, ticket.grid_id) == ("emergency", org.building("5号楼").id, org.grid("G02").id)
    assert ticket.location["label"] == "5号楼301"
    robots = org.session.execute(select(Outbox).where(Outbox.kind == "robot")).scalars().all()
    alerts = [a for a in robots if a.payload.get("text", "").startswith("【紧急·补充位置】")]
    assert [a.recipient for a in alerts] == [f"grid:{org.grid('G02').id}"] and "5号楼301" in alerts[0].payload["text"]
    assert alerts[0].urgent
    assert "请马上回复具体位置" not in chat.say("电梯困人了，8号楼")  # the place said: nothing to ask
    other = Chat(chat.safe, org.session, user="oFireNoPlace")
    assert "请马上回复具体位置" in other.say("着火了！快来人")
    assert "已补充位置" not in other.say("3号楼路灯坏了")  # a report of its own, not the fire's place
    third = Chat(chat.safe, org.session, user="oFireHurry")
    third.say("着火了")
    assert "请马上回复具体位置" in third.say("快来人")  # hurried, and asked again (it was asked 反映 or 建议?)
    assert "已补充位置：7号楼" in third.say("7号楼")


def test_an_emergency_in_the_middle_of_an_intake_is_not_swallowed(org, chat):
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    assert "119" in chat.say("5号楼着火了")
    assert [t.kind for t in chat.tickets()] == ["emergency"]


def test_binding_an_address_by_name_and_by_location(org, chat):
    assert "确认" in chat.say("绑定 3号楼2单元")
    assert "绑定成功" in chat.say("确认")
    r = org.session.execute(select(Resident).where(Resident.openid == "oResident001")).scalar_one()
    assert (r.building_id, r.unit, r.grid_id) == (org.building("3号楼").id, "2单元", org.grid("G01").id)
    assert "楼栋" in chat.say("绑定")
    b = org.building("21号楼")
    assert "21号楼" in chat.location(b.latitude, b.longitude)
    chat.say("确认")
    org.session.refresh(r)
    assert (r.building_id, r.grid_id) == (b.id, org.grid("G06").id)
    count = org.session.execute(select(func.count()).select_from(Resident)).scalar()
    assert count == 5  # the four demo residents and this one


def _bound(org, openid: str = "oResident001"):
    org.session.expire_all()
    return org.session.execute(select(Resident).where(Resident.openid == openid)).scalar_one_or_none()


def test_saying_where_one_lives_offers_binding_and_a_report_next_is_filed_there(org, chat):
    offer = chat.say("我住在3号楼2单元")  # it was a report: 「如方便，请发一张现场照片」
    assert "将您的住址登记为：和平社区 和平一网格 3号楼2单元" in offer and "照片" not in offer
    assert "绑定成功" in chat.say("确认")
    assert (_bound(org).building_id, _bound(org).unit) == (org.building("3号楼").id, "2单元")
    other = Chat(chat.safe, org.session, user="oLivesAt5")
    assert "登记为" in other.say("我家在5栋")
    assert "照片" in other.say("楼道灯坏了")  # not a 'no' to binding: a report, at the place just said
    other.say("跳过")
    other.say("确认")
    [ticket] = other.tickets()
    assert ticket.building_id == org.building("5号楼").id and _bound(org, "oLivesAt5") is None
    assert "登记为" not in other.say("我家在3号楼，电梯坏了")  # a place and a problem is a report


def test_changing_the_address_moving_and_unbinding(org, chat):
    org.session.add(Resident(channel="wechat", openid="oMoving", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id, care_flags=["独居老人"]))
    mover = Chat(chat.safe, org.session, user="oMoving")
    assert "楼栋单元" in mover.say("我要改一下住址")  # was 咨询 or 反映?, then 「绑定 …」 became a report
    assert "登记为" in mover.say("绑定 7号楼1单元")
    assert "绑定成功" in mover.say("确认")
    assert (_bound(org, "oMoving").building_id, _bound(org, "oMoving").unit) == (org.building("7号楼").id, "1单元")
    assert "楼栋单元" in mover.say("我搬家了")
    mover.say("取消")
    assert "已解除绑定（原住址：和平社区 和平二网格 7号楼1单元）" in mover.say("解绑")
    assert _bound(org, "oMoving") is None
    kept = org.session.execute(select(Resident).where(Resident.care_flags.is_not(None), Resident.unit == "1单元")).scalars()
    assert [r.care_flags for r in kept] == [["独居老人"]]  # the care register keeps the resident, unlinked
    assert "还没有绑定住址" in mover.say("解绑")
    assert chat.tickets() == []


def test_the_code_on_a_buildings_notice_board_offers_binding_to_that_building(org, chat):
    b3 = org.building("3号楼").id
    for user, key in (("oScan1", f"qrscene_building-{b3}"), ("oScan2", "qrscene_building-3号楼")):
        scanner = Chat(chat.safe, org.session, user=user)
        reply = scanner._send(message_xml("event", user=user, Event="subscribe", EventKey=key))
        assert "政策咨询" in reply and "将您的住址登记为：和平社区 和平一网格 3号楼" in reply
        assert "绑定成功" in scanner.say("确认")
        assert _bound(org, user).building_id == b3
    again = Chat(chat.safe, org.session, user="oScan1")._send(
        message_xml("event", user="oScan1", Event="SCAN", EventKey=f"building-{b3}"))
    assert "欢迎回来" in again and "登记为" not in again  # bound there already
    grid_code = chat._send(message_xml("event", user=chat.user, Event="subscribe", EventKey="qrscene_grid-G03"))
    assert "登记为" not in grid_code


def test_binding_asked_for_part_way_through_a_report_keeps_the_report_for_later(org, chat):
    chat.say("路灯坏了")
    reply = chat.say("绑定")  # it was taken as the place's name
    assert "楼栋单元" in reply and "继续登记" in reply
    chat.say("3号楼")
    done = chat.say("确认")  # for the binding just asked, not for the report kept
    assert "绑定成功" in done and "另有「路灯坏了」还没有登记" in done
    assert _bound(org).building_id == org.building("3号楼").id
    assert "接着登记「路灯坏了」" in chat.say("继续登记")
    assert chat.tickets() == []


def test_praise_for_someones_work_is_passed_on_to_the_grid_group(org, chat):
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    assert "网格工作群" in bound.say("网格员小王服务很好，表扬一下")
    assert "街道" in chat.say("给物业师傅点个赞")  # not bound, no ticket: the street group
    rows = org.session.execute(select(Outbox).where(Outbox.kind == "robot").order_by(Outbox.id)).scalars().all()
    assert [(r.recipient, r.payload["text"]) for r in rows] == [
        (f"grid:{org.grid('G02').id}", "【居民表扬】「网格员小王服务很好，表扬一下」"), ("street", "【居民表扬】「给物业师傅点个赞」")]
    assert "表扬" not in chat.say("网格员态度很差")
    assert chat.tickets() == []


def test_satisfied_with_nothing_open_is_thanked_not_asked_what_kind_of_report(org, chat):
    for said in ("非常满意", "很满意，谢谢"):
        assert chat.say(said) == texts.SATISFIED
    assert chat.tickets() == [] and org.session.execute(select(Outbox).where(Outbox.kind == "robot")).first() is None
    # asking whether someone is satisfied is no praise
    assert chat.say("对处理结果满意吗") != texts.SATISFIED and "【居民表扬】" not in str(
        [r.payload for r in org.session.execute(select(Outbox)).scalars()])


def test_who_is_my_grid_worker_gives_the_bound_grids_worker_and_phone(org, chat):
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    worker = org.staff("grid2")
    reply = bound.say("我们的网格员是谁，电话多少")
    assert worker.display_name in reply and worker.phone in reply and "和平二网格" in reply
    assert "绑定" in chat.say("怎么联系网格员")  # not bound: how to tell us the building
    assert worker.phone not in bound.say("网格员电话打不通，也没人管")  # a complaint stays one
    assert "和平二网格" in bound.say("我家在哪个网格")  # it was an FAQ miss
    assert len(chat.tickets()) == 0


def test_a_resident_not_bound_asking_for_the_handlers_phone_gets_their_reports_grid_worker(org, chat):
    _filed(chat, "路灯坏了", "5号楼")
    reply = chat.say("处理人电话多少")  # it was an FAQ miss
    assert org.staff("grid2").phone in reply and "和平二网格" in reply


def test_the_phone_asked_for_again_right_after_the_grid_worker_was_named_is_given_again(org, chat):
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    phone = org.staff("grid2").phone
    assert phone not in bound.say("电话多少")  # nobody named yet: whose phone is not known
    assert phone in bound.say("我的网格员是谁")
    assert phone in bound.say("电话多少")
    assert phone in bound.say("他手机号呢？")


def test_a_complaint_about_the_grid_workers_conduct_is_reviewed_by_the_community_not_that_grid_worker(org, chat):
    org.session.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id,
                             building_id=org.building("6号楼").id))
    bound = Chat(chat.safe, org.session, user="oBound")
    summary = bound.say("网格员办事拖拉，说好的上门一直没来")  # neither where nor a photo is asked
    assert "转交：和平社区工作人员处理（不经网格员）" in summary and "地点" not in summary
    assert "已记录" in bound.say("确认")
    [ticket] = bound.tickets()
    assert (ticket.category, ticket.grid_id, ticket.building_id) == ("工作作风", None, None)
    assert ticket.community_id == org.grid("G02").community_id
    mine = lambda who: [t.number for t in service.list_tickets(session=org.session, actor=org.staff(who))]  # noqa: E731
    assert mine("grid2") == [] and mine("community1") == [ticket.number]
    assert "和平社区" in bound.say("查询")
    assert "转交：街道处理" in chat.say("网格员态度很差")  # nobody's address known: the street's office


@pytest.mark.parametrize("asked", ["能不能不要让店家知道是我举报的", "举报人信息会保密吗", "你们会不会把我的电话告诉物业"])
def test_who_learns_who_reported_is_answered_after_a_report_and_during_one(org, chat, asked):
    chat.say("楼下烧烤店油烟太大了")
    chat.say("12号楼")
    chat.say("跳过")
    during = chat.say(asked)
    assert "不会把反映人的信息告诉被反映的一方" in during and "请确认要登记的事项" in during
    assert "补充" not in during
    assert "已记录" in chat.say("确认")
    after = chat.say(asked)
    assert "不会把反映人的信息告诉被反映的一方" in after and "连心树" in after
    [ticket] = chat.tickets()  # neither question became a report, nor was added to this one
    assert ticket.text == "楼下烧烤店油烟太大了"


def _filed(chat: Chat, text: str = "楼道灯坏了", building: str = "5号楼") -> None:
    chat.say(text)
    chat.say(building)
    chat.say("跳过")
    assert "已记录" in chat.say("确认")


@pytest.mark.parametrize("said", ["撤销", "我要撤回刚才的报修", "已经修好了，不用来了", "取消", "已经修好了", "已经不吵了，不用来了"])
def test_a_resident_withdraws_a_report_after_saying_yes_to_the_question(org, chat, said):
    _filed(chat)
    asked = chat.say(said)
    assert "要撤回「楼道灯坏了」" in asked and "确认撤回" in asked and "继续办理" in asked
    assert chat.tickets()[0].status == "submitted"  # nothing happens on a stray word
    assert "已撤回" in chat.say("确认撤回")
    [ticket] = chat.tickets()
    assert ticket.status == "closed" and ticket.withdrawn_at is not None
    assert "已关闭" in chat.say("查询")


def test_continuing_keeps_the_report_and_another_message_leaves_the_question(org, chat):
    _filed(chat)
    chat.say("撤回")
    assert "继续为您办理" in chat.say("继续办理")
    chat.say("撤回")
    assert "社区助手「邻里」" in chat.say("你好")  # answered as a message of its own
    assert "确认撤回" not in chat.say("确认")  # and the question is gone
    assert [t.status for t in chat.tickets()] == ["submitted"]
    assert "没有正在办理的事项" in Chat(chat.safe, org.session, user="oNobody").say("撤销")


def test_words_added_just_after_filing_go_on_that_report_not_into_a_new_one(org, chat):
    _filed(chat, "路灯坏了", "5号楼")
    assert "已补充到您刚才反映的「路灯坏了」" in chat.say("补充一下，是靠近东门那一盏")
    assert "已补充到" in chat.say("我搞错了，不是路灯，是楼道灯")  # it was asked 咨询 or 反映?
    assert "请直接发要补充的内容" in chat.say("补充")
    assert "已补充到" in chat.say("晚上九点以后才会灭")
    [ticket] = chat.tickets()
    notes = [e.reason for e in service.timeline(session=org.session, ticket=ticket) if e.action == "note"]
    assert len(notes) == 3 and "靠近东门" in notes[0] and "楼道灯" in notes[1] and "九点" in notes[2]
    lines = [r.payload["text"] for r in org.session.execute(select(Outbox).where(Outbox.kind == "robot")).scalars()]
    assert sum("【居民补充】" in line for line in lines) == 3
    stranger = Chat(chat.safe, org.session, user="oNoTicket")
    assert "已补充到" not in stranger.say("补充一下，是3单元")
    assert "已补充到" not in chat.say("补充一下，电梯也坏了")  # another matter: a report of its own


def test_still_broken_said_after_the_resolve_notice_reopens_the_ticket_not_a_new_report(org, chat):
    _filed(chat, "路灯坏了", "5号楼")
    [ticket] = chat.tickets()
    worker, chief = org.staff("grid2"), org.staff("community1")
    service.review(session=org.session, actor=worker, ticket=ticket)
    service.dispatch(session=org.session, actor=chief, ticket=ticket, handler_id=worker.id)
    service.accept(session=org.session, actor=worker, ticket=ticket)
    service.resolve(session=org.session, actor=worker, ticket=ticket, resolution="已更换灯泡")
    assert "已重新交办" not in chat.say("电梯又坏了")  # another matter: not this ticket's 未解决
    chat.say("取消")
    reply = chat.say("还是不亮啊")  # before the survey was sent: it was a new report, asked where
    assert "还没有解决" in reply and "已重新交办" in reply and ticket.number in reply
    [again] = chat.tickets()
    assert (again.status, again.reopen_count, again.resolved_confirmed) == ("dispatched", 1, False)
    assert "已重新交办" not in chat.say("还是不亮啊")  # once: it is being worked on again


def test_withdrawing_an_emergency_passes_the_word_on_and_closes_nothing(org, chat):
    chat.say("楼道里有很大的煤气味")
    reply = chat.say("已经没事了，不用来了")  # no question: nothing is closed, so nothing to confirm
    assert "转告工作人员" in reply and "紧急事项" in reply and "核实" in reply
    [ticket] = chat.tickets()
    assert ticket.status == "submitted" and ticket.withdrawn_at is None


@pytest.mark.parametrize("said", ["明天会下雨吗", "现在几点了", "讲个笑话"])
def test_the_weather_or_the_time_is_said_to_be_out_of_scope_and_not_logged_for_staff(org, chat, said):
    from knowledge_base.models import UnansweredQuestion

    assert "这个我帮不上忙" in chat.say(said)
    assert org.session.execute(select(UnansweredQuestion)).first() is None  # staff's list is for real questions


def test_anger_with_nothing_said_about_what_went_wrong_is_asked_what_happened(chat):
    assert "能说说遇到了什么问题吗" in chat.say("你们都是废物")
    assert "能说说遇到了什么问题吗" not in chat.say("天气冷了暖气什么时候来")
    assert chat.tickets() == []


def test_asked_whether_a_person_is_answering_it_says_it_is_not(chat):
    reply = chat.say("你是机器人吗")
    assert "不是真人" in reply and "「人工」" in reply
    assert "不是真人" not in chat.say("你好")


@pytest.mark.parametrize("asked", ["谁在处理我的事", "路灯坏了那个事怎么样了"])
def test_who_has_my_report_and_how_it_is_going_show_the_status_with_the_handler(org, chat, asked):
    _filed(chat, "路灯坏了", "5号楼")
    [ticket] = chat.tickets()
    worker = org.staff("grid2")
    service.review(session=org.session, actor=worker, ticket=ticket)
    service.dispatch(session=org.session, actor=org.staff("community1"), ticket=ticket, handler_id=worker.id)
    reply = chat.say(asked)  # the first was asked 反映 or 建议?, the second opened a new report
    assert reply.startswith("您的事项：") and f"处理人：{worker.display_name}" in reply
    assert len(chat.tickets()) == 1


def test_status_with_no_tickets(chat):
    assert "还没有提交过" in chat.say("查询")


def location_event(chat: Chat, lat: float = 30.25, lng: float = 120.15) -> str:
    return chat._send(message_xml("event", user=chat.user, Event="LOCATION", Latitude=str(lat), Longitude=str(lng),
                                  Precision="30"))


def test_a_reported_location_event_does_not_end_an_open_flow(org, chat):
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    assert location_event(chat) == ""
    assert "照片" in chat.say("3号楼")
    assert "还没有登记" in chat.say("连心树")  # the report waits for 「继续登记」
    location_event(chat)
    assert "匿名提交" in chat.say("希望停车位规划更合理")
    assert [t.kind for t in chat.tickets()] == []
    assert "接着登记" in chat.say("继续登记")


def test_a_flow_left_alone_for_hours_lapses(org, chat):
    chat.say("我要投诉，楼道灯坏了好几天没人修")
    conv = org.session.execute(select(Conversation)).scalar_one()
    flow = conv.data["flow"]
    conv.data = {**conv.data, "flow": {**flow, "since": "2020-01-01T00:00:00+00:00"}}
    reply = chat.say("3号楼")  # not the old report's place: a place alone, asked what the matter is there
    assert "照片" not in reply and "请说说那里有什么问题" in reply
    org.session.refresh(conv)
    assert "楼道灯" not in str(conv.data["flow"]) and chat.tickets() == []


def test_a_report_worded_as_a_question_is_offered_a_ticket_not_a_dead_end(org, chat):
    offer = chat.say("麻烦问一下，3号楼楼道灯坏了8天没人修？")
    assert "回复「2」" in offer and chat.tickets() == []
    assert "照片" in chat.say("2")  # the building was in the first message: only the photo is asked for
    chat.say("跳过")
    assert chat.say("确认").startswith("已记录，编号")
    [t] = chat.tickets()
    assert (t.kind, t.category, t.building_id) == ("service_request", "路灯与公共设施", org.building("3号楼").id)
    assert "8天没人修" in t.text


def test_yes_in_words_takes_up_an_offer_to_register_but_answers_no_clarifying_question(org, chat):
    assert "回复「2」" in chat.say("请问3号楼楼道灯坏了8天没人修？")
    assert "照片" in chat.say("好的")  # said yes to the offer: the intake goes on as after 「2」
    chat.say("跳过")
    assert chat.say("确认").startswith("已记录，编号") and len(chat.tickets()) == 1
    assert "请回复数字" in chat.say("不行")  # a clarifying question of three choices: 「好」 picks none of them
    assert chat.say("好") == texts.ACK and len(chat.tickets()) == 1
    assert chat.say("嗯嗯") == texts.ACK  # and with nothing open an acknowledgement is just that


def test_a_policy_question_the_faq_does_not_know_gets_no_ticket_offer(org, chat):
    reply = chat.say("请问公租房摇号什么时候开始")
    assert "回复「2」" not in reply and "人工" in reply


def test_a_question_asked_while_the_intake_waits_is_answered_and_the_report_is_said_to_be_unfiled(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    assert "在哪里" in chat.say("楼上漏水到我家了")
    reply = chat.say("居住证到期了续一下要带啥")
    assert "居住证" in reply and "还没有登记" in reply and "楼上漏水到我家了" in reply
    assert "在哪里" in chat.say("楼上漏水到我家了")
    assert "还没有登记" in chat.say("帮我查一下低保标准是多少")
    assert "没有找到" not in reply and chat.tickets() == []
    # more words about the problem, or a place, still belong to the flow
    assert "在哪里" in chat.say("楼上漏水到我家了")
    assert "在哪里" in chat.say("厕所天花板在滴水")
    assert "在哪里" in chat.say("什么时候来人？")  # a question about this very report: still asked where
    assert "照片" in chat.say("3号楼")
    assert "确认" in chat.say("跳过")


def test_a_report_left_for_a_question_is_taken_up_again_where_it_stopped(org, chat):
    """楼上漏水 → where? → 3号楼 → photo? → 「居住证怎么办」 is answered, the report is kept, and 「继续登记」 asks
    for the photo again (not the place, not the problem); the ticket holds what was said before the question."""
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    chat.say("楼上漏水到我家了")
    assert "照片" in chat.say("3号楼")
    reply = chat.say("居住证怎么办")
    assert "居住证" in reply and "还没有登记" in reply and "继续登记" in reply and chat.tickets() == []
    resumed = chat.say("继续登记")
    assert "接着登记「楼上漏水到我家了」" in resumed and "照片" in resumed and "在哪里" not in resumed
    assert "3号楼" in chat.say("跳过")
    assert chat.say("确认").startswith("已记录，编号")
    [t] = chat.tickets()
    assert t.text == "楼上漏水到我家了" and t.building_id == org.building("3号楼").id
    assert "没有待继续登记" in chat.say("继续登记")  # filed: nothing is kept any more


def test_a_report_left_at_the_confirmation_resumes_at_the_confirmation(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    chat.say("投诉：3号楼楼道灯坏了一个星期了")
    assert "确认" in chat.say("跳过")
    assert "继续登记" in chat.say("低保")
    resumed = chat.say("继续")  # plain 继续 resumes too when no 「更多」 is waiting
    assert "请确认要登记的事项" in resumed and "3号楼" in resumed
    assert chat.say("确认").startswith("已记录，编号") and len(chat.tickets()) == 1


def test_a_kept_report_can_be_dropped_and_lapses_after_two_hours(org, chat):
    chat.say("楼道灯坏了好几天了")
    assert "继续登记" in chat.say("查询")
    status = chat.say("我的工单")  # asked again: the kept report is listed, though it is not a ticket yet
    assert "还没有提交过事项" in status and "另有「楼道灯坏了好几天了」还没有登记" in status
    for word in ("不", "算了", "不是"):  # may answer something else: the kept report is not dropped by it
        assert "已取消" not in chat.say(word)
    assert "另有「楼道灯坏了好几天了」" in chat.say("我的工单")
    assert "请回复数字" in chat.say("不行")  # a clarifying question waits: 「取消」 still drops the kept report
    assert "「楼道灯坏了好几天了」已取消" in chat.say("取消")
    assert "另有" not in chat.say("我的工单")
    assert "没有待继续登记" in chat.say("继续登记") and chat.tickets() == []
    chat.say("楼道灯坏了好几天了")
    assert "继续登记" in chat.say("查询")
    conv = org.session.execute(select(Conversation)).scalar_one()
    conv.data = {**conv.data, "paused_intake": {**conv.data["paused_intake"], "paused_at": "2020-01-01T00:00:00+00:00"}}
    assert "没有待继续登记" in chat.say("继续登记")
    org.session.refresh(conv)
    assert "paused_intake" not in conv.data and chat.tickets() == []


def test_a_new_report_replaces_the_kept_one_and_a_report_opened_mid_intake_is_not_kept(org, chat):
    chat.say("楼道灯坏了好几天了")
    chat.say("查询")
    assert "在哪里" in chat.say("小区门口的垃圾好几天没人清运了")
    conv = org.session.execute(select(Conversation)).scalar_one()
    assert "paused_intake" not in conv.data  # the report the resident tells now is the one in progress
    assert "确认" in chat.say("建议小区多装几个充电桩")  # a new report mid-intake: said unfiled, to send again
    org.session.refresh(conv)
    assert "paused_intake" not in conv.data


def test_a_command_in_the_middle_of_an_intake_runs_and_the_report_is_said_to_be_unfiled(org, chat):
    chat.say("楼道灯坏了好几天了")
    status = chat.say("查询")
    assert "还没有登记" in status and "楼道灯坏了好几天了" in status and chat.tickets() == []
    assert "确认" in chat.say("建议小区多装几个充电桩")  # a suggestion goes straight to its confirmation
    human = chat.say("人工")
    assert "转接人工" in human and "还没有登记" in human and chat.tickets() == []
    conv = org.session.execute(select(Conversation).where(Conversation.user_id == "oResident001")).scalar_one()
    assert conv.handoff == "waiting" and "充电桩" in conv.handoff_reason  # staff see what was being reported


def test_a_topic_named_alone_gets_the_faq_not_a_clarifying_question(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    reply = chat.say("低保")
    assert "低保" in reply and "请回复数字：1 咨询政策" not in reply
    assert "请回复数字：1 咨询政策" in chat.say("路灯")  # no FAQ entry fits: then ask what they want


def test_anything_but_yes_at_the_confirmation_is_answered_and_the_report_said_to_be_unfiled(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    chat.say("投诉：3号楼楼道灯坏了一个星期了")
    assert "确认" in chat.say("跳过")
    reply = chat.say("低保")
    assert "低保" in reply and "还没有登记" in reply and chat.tickets() == []
    assert "您是想问" in reply  # the FAQ menu for the topic, not a ticket for 「低保」


def test_an_errand_the_faq_knows_is_answered_first_with_an_offer_to_register_it(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    reply = chat.say("我想办老年卡")
    assert "老年优待卡" in reply and "回复「2」" in reply and chat.tickets() == []
    assert "在哪里" in chat.say("2")  # registered on request: the intake starts and asks where
    chat.say("3号楼")
    chat.say("跳过")
    assert chat.say("确认").startswith("已记录")
    [t] = chat.tickets()
    assert (t.kind, t.text) == ("service_request", "我想办老年卡")
    assert "回复「2」" in chat.say("我想办老年卡") and "在哪里" in chat.say("可以")  # yes in words, as 「2」
    # a repair is never answered from the FAQ first
    assert "在哪里" in chat.say("楼道灯坏了")


def test_a_report_only_announced_asks_what_it_is_and_files_what_the_resident_says_next(org, chat):
    """「我想给社区提个建议」 said nothing yet: it used to be filed as its own text, and the suggestion that came
    next was taken for a new message."""
    asked = chat.say("我想给社区提个建议")
    assert "请说说您的建议" in asked and "确认" not in asked
    confirm = chat.say("多搞点老年人活动")
    assert "内容：多搞点老年人活动" in confirm and "请确认" in confirm
    assert chat.say("确认").startswith("已记录")
    assert "请说说是什么问题" in chat.say("我要投诉")
    assert "照片" in chat.say("3号楼楼道里堆满了杂物，一直没人清")  # its own building: only the photo is asked
    chat.say("跳过")
    chat.say("确认")
    first, second = chat.tickets()
    assert (first.kind, first.text) == ("suggestion", "多搞点老年人活动")
    assert second.kind == "complaint" and second.text.startswith("3号楼楼道里堆满了杂物")
    assert second.building_id == org.building("3号楼").id and second.category is not None


def test_a_question_instead_of_the_announced_report_is_answered_with_nothing_kept(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    assert "请说说" in chat.say("我想反映个问题")
    reply = chat.say("居住证怎么办")
    assert "居住证" in reply and "还没有登记" not in reply  # nothing was said yet, so nothing is kept
    assert "没有待继续登记" in chat.say("继续登记") and chat.tickets() == []
    assert "请说说" in chat.say("我要举报")
    assert "119" in chat.say("楼道里着火了")  # an emergency in its place is one at once
    assert [t.urgency for t in chat.tickets()] == ["emergency"]


def test_more_about_the_problem_at_the_summary_is_added_and_the_summary_shown_again(org, chat):
    chat.say("楼上漏水到我家了")
    chat.say("3号楼")
    assert "请确认" in chat.say("跳过")
    more = chat.say("我家天花板都泡了")  # used to leave the flow and get a clarifying question
    assert more.startswith("已补充。") and "补充：我家天花板都泡了" in more and "还没有登记" not in more
    assert "请确认" in chat.say("跳过")  # nothing to add: the summary again
    assert chat.say("确认").startswith("已记录")
    [t] = chat.tickets()
    assert "楼上漏水到我家了" in t.text and "我家天花板都泡了" in t.text


def test_a_bare_number_is_no_place_and_a_building_named_at_the_photo_step_is_the_place(org, chat):
    chat.say("楼道里的扶手松了，想申请上门维修")  # (养老 is asked for no photo: a repair is)
    again = chat.say("2")  # meant for some menu
    assert "请回复楼栋名称" in again and "补充" not in again
    chat.say("跳过")  # no place: asked for a photo
    noted = chat.say("7号楼")
    assert "已记下地点" in noted and "7号楼" in noted and "照片" in noted
    confirm = chat.say("跳过")
    assert "7号楼" in confirm.split("地点：")[1] and "补充" not in confirm
    chat.say("确认")
    [t] = chat.tickets()
    assert t.building_id == org.building("7号楼").id and t.text == "楼道里的扶手松了，想申请上门维修"


def test_the_word_picture_typed_instead_of_a_picture_is_neither_a_place_nor_a_photo(org, chat):
    """「[图片]」 (pasted from another chat, or what some clients send for a picture they could not forward) used to
    be taken as the place's name."""
    chat.say("楼道灯不亮了，都黑了三天")
    again = chat.say("[图片]")
    assert "没有收到照片" in again and "「+」" in again and "在哪里" in again
    assert "照片" in chat.say("5号楼")
    assert "没有收到照片" in chat.say("[图片]")
    confirm = chat.say("跳过")
    assert "5号楼" in confirm.split("地点：")[1] and "照片：" not in confirm and "[图片]" not in confirm
    assert "没有收到内容" in chat.say("[语音]") and "请确认" in chat.say("[语音]")
    chat.say("确认")
    [t] = chat.tickets()
    assert t.building_id == org.building("5号楼").id and t.text == "楼道灯不亮了，都黑了三天" and not t.attachments


def test_the_word_picture_with_nothing_open_says_the_photo_did_not_come_and_is_no_nod(org, chat):
    """With no report open, 「[图片]」 was read as an emoji nod (「好的。还有其他需要…」): the resident thought the
    photo had arrived. Now they hear it did not, and how to send one; a face 「[微笑]」 is still a nod."""
    reply = chat.say("[图片]")
    assert "没有收到照片" in reply and "「+」" in reply and "是什么事" in reply
    assert "没有收到内容" in chat.say("[语音]")
    assert chat.say("[微笑]") == texts.ACK
    assert chat.tickets() == []
    assert "已记录" not in chat.say("确认")


def test_a_building_given_for_a_clarifying_question_makes_the_message_a_report_there(org, chat):
    assert "请回复数字" in chat.say("对面装修吵")  # 「4号楼2单元」 answers it with a place
    reply = chat.say("4号楼2单元")
    assert "照片" in reply  # a report at 4号楼, only the photo left to ask
    chat.say("跳过")
    chat.say("确认")
    [t] = chat.tickets()
    assert t.building_id == org.building("4号楼").id and t.text.startswith("对面装修吵（4号楼2单元）")


def test_confirm_said_while_a_report_is_kept_shows_it_again_and_files_nothing_by_itself(org, chat):
    from knowledge_base import service as kb

    kb.load_demo(org.session)
    chat.say("投诉：3号楼楼道灯坏了一个星期了")
    assert "请确认" in chat.say("跳过")
    assert "还没有登记" in chat.say("低保怎么申请")
    shown = chat.say("确认")
    assert "接着登记" in shown and "请确认要登记的事项" in shown and chat.tickets() == []
    assert chat.say("确认").startswith("已记录") and len(chat.tickets()) == 1


def test_yes_in_dialect_files_and_confirm_where_a_place_is_asked_is_no_place(org, chat):
    chat.say("我要反映")
    assert "在哪里" in chat.say("物业乱收费")
    assert "照片" in chat.say("确认")  # not the place 「确认」
    assert "地点：未提供" in chat.say("跳过")
    assert chat.say("中").startswith("已记录")  # 中: yes, in Henan
    [t] = chat.tickets()
    assert t.location is None and t.text == "物业乱收费"


def test_a_bare_number_with_nothing_to_choose_says_so_and_makes_no_report_of_what_follows(org, chat):
    assert "没有等您选择的选项" in chat.say("2")
    chat.say("9号楼")
    chat.say("跳过")
    chat.say("确认")
    assert all(not t.text.startswith("2") for t in chat.tickets())


def test_hurrying_an_open_ticket_notes_it_tells_the_grid_once_a_day_and_opens_nothing_new(org, chat):
    from bot.tickets.models import TicketEvent

    chat.say("暖气不热")
    chat.say("5号楼")
    chat.say("跳过")
    chat.say("确认")
    [t] = chat.tickets()
    pushed = lambda: org.session.execute(  # noqa: E731
        select(func.count()).select_from(Outbox).where(Outbox.payload["text"].as_string().contains("居民催办"))).scalar()
    reply = chat.say("什么时候来修")  # used to open a new report and ask where
    assert reply.startswith(f"已为您催办：{t.number}「暖气不热」") and "处理人：待派单，时限" in reply
    assert "已为您催办" in chat.say("能快点吗") and len(chat.tickets()) == 1
    urges = org.session.execute(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                          TicketEvent.action == "urge")).scalars().all()
    assert [e.reason for e in urges] == ["什么时候来修", "能快点吗"] and pushed() == 1
    # about another category it is a report of its own
    assert "在哪里" in chat.say("怎么还没人修楼道灯")


def test_hurrying_with_no_open_ticket_is_read_as_usual(org, chat):
    assert "已为您催办" not in chat.say("能快点吗")


def test_a_building_alone_asks_what_the_matter_is_there_and_files_the_next_message_at_it(org, chat):
    chat.say("绑定 5号楼1单元")
    chat.say("确认")  # the resident lives elsewhere: the building they name is where the problem is
    asked = chat.say("3号楼")
    assert "3号楼" in asked and "请说说那里有什么问题" in asked
    assert "照片" in chat.say("楼道灯坏了好几天了")  # the place is known: only the photo is asked
    assert "3号楼" in chat.say("跳过")
    chat.say("确认")
    [t] = chat.tickets()
    assert (t.building_id, t.kind, t.text) == (org.building("3号楼").id, "service_request", "楼道灯坏了好几天了")


def test_confirm_or_skip_with_nothing_open_says_so_and_goodbye_is_answered(org, chat):
    for word in ("确认", "跳过"):
        assert "现在没有待确认的事项" in chat.say(word)
    assert chat.say("再见") == texts.ACK and chat.say("88") == texts.ACK
    assert chat.tickets() == []


def test_a_place_that_names_a_category_is_still_the_place(org, chat):
    chat.say("充电桩坏了")
    assert "照片" in chat.say("南门停车场")  # 停车 is a category, not a complaint: the answer is where
    assert "地点：南门停车场" in chat.say("跳过")
    number = chat.say("确认").split("编号 ")[1].split("。")[0]
    assert number in chat.say(number)  # the ticket number alone is a status query


def test_while_waiting_for_staff_a_where_are_you_is_answered_at_most_once_a_minute(org, chat):
    from datetime import datetime, timezone

    def ack_minutes_ago(minutes: int, handoff: str | None = None) -> None:
        conv = org.session.execute(select(Conversation).where(Conversation.user_id == "oResident001")).scalar_one()
        at = datetime.now(timezone.utc) - timedelta(minutes=minutes)
        conv.data = {**conv.data, "handoff_ack_at": at.isoformat()}
        if handoff:
            conv.handoff = handoff
        org.session.commit()

    assert "转接人工" in chat.say("我要转人工")
    assert chat.say("人呢") == ""  # just told: the start message said so
    ack_minutes_ago(2)
    assert chat.say("你们网格员电话多少") == ""  # an ordinary message waits for staff in quiet (10 minutes)
    assert "还在为您联系工作人员" in chat.say("人呢？")
    assert chat.say("在吗") == ""
    ack_minutes_ago(2, handoff="claimed")
    assert "已经看到您的消息" in chat.say("怎么没人回")
