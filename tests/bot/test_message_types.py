"""Every WeChat message and event type, as real callback XML, parsed and answered."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.channels.wechat import parse_xml, to_inbound
from bot.models import ChatMessage, Conversation
from tests.wechat_platform import message_xml

MESSAGES = {
    "text": dict(Content="帮助"),
    "voice": dict(MediaId="media_voice_1", Format="amr", Recognition="帮助"),
    "voice_unrecognised": dict(MediaId="media_voice_2", Format="amr"),
    "image": dict(PicUrl="http://mmbiz.example/pic.jpg", MediaId="media_img_1"),
    "location": dict(Location_X="39.915119", Location_Y="116.403963", Scale="16", Label="幸福街道和平社区3号楼"),
    "link": dict(Title="小区停车新规", Description="链接描述", Url="http://example.org/a"),
    "video": dict(MediaId="media_video_1", ThumbMediaId="thumb_1"),
    "shortvideo": dict(MediaId="media_sv_1", ThumbMediaId="thumb_2"),
    "music_or_other": dict(Content="?"),
}


def xml_for(kind: str) -> str:
    msg_type = {"voice_unrecognised": "voice", "music_or_other": "miniprogrampage"}.get(kind, kind)
    return message_xml(msg_type, **MESSAGES[kind])


def test_parsing_maps_every_message_type_to_our_inbound():
    parsed = {k: to_inbound(parse_xml(xml_for(k).encode()), "wechat") for k in MESSAGES}
    assert parsed["text"].text == "帮助" and parsed["text"].msg_id
    assert parsed["voice"].text == "帮助" and parsed["voice"].media_id == "media_voice_1"
    assert parsed["voice_unrecognised"].text == ""
    assert parsed["image"].media_id == "media_img_1" and parsed["image"].pic_url.endswith("pic.jpg")
    loc = parsed["location"].location
    assert (loc.latitude, loc.longitude, loc.scale, loc.label) == (39.915119, 116.403963, 16, "幸福街道和平社区3号楼")
    assert parsed["link"].link_url == "http://example.org/a" and parsed["link"].link_title == "小区停车新规"
    assert parsed["video"].media_id == "media_video_1" and parsed["shortvideo"].msg_type == "shortvideo"
    assert parsed["music_or_other"].msg_type == "unknown" and parsed["music_or_other"].raw_type == "miniprogrampage"


def event_xml(event: str, user: str = "oEventUser", ct: int | None = None, **fields: str) -> str:
    return message_xml("event", user=user, create_time=ct, Event=event, **fields)


def test_parsing_maps_every_event():
    sub = to_inbound(parse_xml(event_xml("subscribe", EventKey="qrscene_grid-G03", Ticket="tk").encode()), "wechat")
    assert (sub.event, sub.scene, sub.msg_id) == ("subscribe", "grid-G03", None)
    plain_sub = to_inbound(parse_xml(event_xml("subscribe").encode()), "wechat")
    assert plain_sub.scene is None
    scan = to_inbound(parse_xml(event_xml("SCAN", EventKey="grid-G04", Ticket="tk").encode()), "wechat")
    assert (scan.event, scan.scene) == ("scan", "grid-G04")
    loc = to_inbound(parse_xml(event_xml("LOCATION", Latitude="23.137466", Longitude="113.352425",
                                         Precision="119.385040").encode()), "wechat")
    assert loc.event == "location" and loc.location.latitude == 23.137466
    click = to_inbound(parse_xml(event_xml("CLICK", EventKey="MENU_STATUS").encode()), "wechat")
    assert (click.event, click.event_key) == ("click", "MENU_STATUS")
    view = to_inbound(parse_xml(event_xml("VIEW", EventKey="http://example.org/").encode()), "wechat")
    assert view.event == "view"
    unsub = to_inbound(parse_xml(event_xml("unsubscribe").encode()), "wechat")
    assert unsub.event == "unsubscribe"
    weird = to_inbound(parse_xml(event_xml("TEMPLATESENDJOBFINISH", Status="success").encode()), "wechat")
    assert weird.event == "templatesendjobfinish" and weird.msg_type == "event"


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("kind,expected", [
    ("text", "政策咨询"),
    ("voice", "政策咨询"),
    ("voice_unrecognised", "看不懂"),
    ("image", "收到您的图片"),
    ("location", "收到您的位置：幸福街道和平社区3号楼"),
    ("link", "收到您分享的链接"),
    ("video", "看不懂"),
    ("shortvideo", "看不懂"),
    ("music_or_other", "看不懂"),
])
def test_every_message_type_gets_an_answer(request, mode, kind, expected):
    platform = request.getfixturevalue(mode)
    reply = platform.open_reply(platform.post(xml_for(kind)))
    assert reply["MsgType"] == "text"
    assert expected in reply["Content"]
    assert reply["ToUserName"] == "oResident001" and reply["FromUserName"] == "gh_linli"


def test_subscribe_gets_a_welcome_that_says_what_linli_does_and_keeps_the_scene(safe, engine):
    reply = safe.open_reply(safe.post(event_xml("subscribe", user="oNewcomer", EventKey="qrscene_grid-G03")))
    for words in ("政策咨询", "反映问题", "提建议", "查询", "人工", "119"):
        assert words in reply["Content"]
    with engine.connect() as conn:
        conv = conn.execute(select(Conversation).where(Conversation.user_id == "oNewcomer")).one()
    assert conv.data["scene"] == "grid-G03"


@pytest.mark.parametrize("event,fields", [
    ("unsubscribe", {}),
    ("VIEW", {"EventKey": "http://example.org/"}),
    ("LOCATION", {"Latitude": "23.1", "Longitude": "113.3", "Precision": "50"}),
    ("TEMPLATESENDJOBFINISH", {"Status": "success"}),
])
def test_silent_events_are_answered_with_success(plain, event, fields):
    r = plain.post(event_xml(event, **fields))
    assert r.status_code == 200 and r.text == "success"


def test_menu_click_and_scan_are_answered(plain):
    assert "还没有提交过" in plain.open_reply(plain.post(event_xml("CLICK", EventKey="MENU_STATUS")))["Content"]
    assert "欢迎回来" in plain.open_reply(plain.post(event_xml("SCAN", EventKey="grid-G01")))["Content"]


def test_an_event_retry_has_one_effect(plain, engine):
    ct = int(time.time())
    first = plain.open_reply(plain.post(event_xml("subscribe", user="oRetry", ct=ct)))
    again = plain.open_reply(plain.post(event_xml("subscribe", user="oRetry", ct=ct)))
    assert first["Content"] == again["Content"]
    with engine.connect() as conn:
        logged = conn.execute(select(ChatMessage).where(ChatMessage.direction == "in")).all()
    assert len(logged) == 1


def test_a_web_message_with_a_lone_surrogate_is_refused_with_422_not_a_500(client):
    # json.loads gives "\ud800" for it; FastAPI's own handler echoed the input as UTF-8 and failed
    body = '{"user": "web-resident-0009", "text": "\\ud800居住证怎么办"}'.encode()
    r = client.post("/api/messages", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "text"
    r = client.post("/api/messages", json={"user": "web-resident-0009", "text": "居住证怎么办"})
    assert r.status_code == 200 and r.json()["reply"]
    r = client.post("/api/messages", json={"user": "web-resident-0009", "text": ""})  # the usual 422s stay as they were
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]
