"""「停水了什么时候来水啊」: the notices staff sent to the resident's grid group answer it (residents never see those
groups); without one the resident hears so. Either way 「2」 registers a repair. It used to be asked back
(咨询 or 上门处理?), and the notice sat in the WeCom group, a silo the resident cannot reach."""

from __future__ import annotations

from datetime import timedelta

from bot.org.models import Resident
from bot.scheduling.announce import announce
from bot.models import utcnow
from tests.tickets.test_dialogue import Chat

NOTICE = "因管道检修，12月8日9:00至17:00和平二网格5、6号楼停水，请提前储水。"


def test_a_resident_asking_about_an_outage_gets_the_notice_sent_to_their_grid(org, safe):
    s = org.session
    announce(session=s, text=NOTICE, grid_codes=["G02"], author="和平社区")
    announce(session=s, text="和平一网格明天停电检修", grid_codes=["G01"])
    old = announce(session=s, text="上周的停水通知", grid_codes=["G02"])
    old.created_at = utcnow() - timedelta(days=5)
    s.add(Resident(channel="wechat", openid="oBound", grid_id=org.grid("G02").id, building_id=org.building("6号楼").id))
    bound = Chat(safe, s, user="oBound")
    reply = bound.say("停水了什么时候来水啊")
    assert NOTICE in reply and "上周" not in reply and "回复「2」" in reply
    other = bound.say("今天怎么停电了？")  # G01's notice is not for G02, and none was sent to G02: said so
    assert "和平一网格明天停电检修" not in other and "没有查到社区近 3 天发布的停电通知" in other
    # a report after all: 「2」 registers the message asked about, as a 水电气暖 repair
    bound.say("停水了什么时候来水啊")
    assert "照片" in bound.say("2")
    bound.say("跳过")
    bound.say("确认")
    [t] = bound.tickets()
    assert (t.kind, t.category, t.text) == ("service_request", "水电气暖", "停水了什么时候来水啊")


def test_without_a_notice_the_resident_is_told_none_was_sent_and_a_complaint_is_a_report(org, safe):
    chat = Chat(safe, org.session, user="oUnbound")
    none = chat.say("小区是不是停电了")
    assert "没有查到社区近 3 天发布的停电通知" in none and "回复「2」" in none
    worded = "因线路改造，12月9日8:00-12:00暂停供电。"  # a notice that does not say 停电 outright
    announce(session=org.session, text=worded)
    assert worded in chat.say("小区是不是停电了")
    assert "在哪里" in Chat(safe, org.session, user="oOther").say("停水三天了也没人管")  # a complaint: intake
    assert "通知" not in Chat(safe, org.session, user="oPhone").say("手机没电了怎么办")  # no outage at all
