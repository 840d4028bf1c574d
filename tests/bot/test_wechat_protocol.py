"""The WeChat callback protocol at the edge: signatures, timestamps, replays, size cap, unsafe XML, crypto."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.channels.wechat import Cipher, ProtocolError, cdata, parse_xml, render_reply
from bot.inbound import Reply
from bot.models import ProcessedMessage
from tests.wechat_platform import AES_KEY, APPID, TOKEN, aes_decrypt, aes_encrypt, message_xml, sha1_sig


def test_our_cipher_reads_what_the_published_algorithm_writes_and_back():
    ours = Cipher(TOKEN, AES_KEY, APPID)
    xml = message_xml("text", Content="楼道灯坏了")
    assert ours.decrypt(aes_encrypt(xml)) == xml
    assert aes_decrypt(ours.encrypt(xml)) == xml


def test_cipher_refuses_a_message_for_another_account():
    ours = Cipher(TOKEN, AES_KEY, APPID)
    with pytest.raises(ProtocolError) as err:
        ours.decrypt(aes_encrypt("<xml/>", receive_id="wxsomeoneelse"))
    assert err.value.status == 400


def test_url_verification_echoes_only_with_a_good_signature(client):
    ts, nonce = str(int(time.time())), "n1"
    good = {"timestamp": ts, "nonce": nonce, "signature": sha1_sig(TOKEN, ts, nonce), "echostr": "hello123"}
    assert client.get("/wechat", params=good).text == "hello123"
    assert client.get("/wechat", params={**good, "signature": "0" * 40}).status_code == 403


def test_wecom_url_verification_answers_the_decrypted_echostr(client):
    from tests.wechat_platform import CORP_ID

    ts, nonce = str(int(time.time())), "n2"
    echostr = aes_encrypt("8712345", receive_id=CORP_ID)
    q = {"timestamp": ts, "nonce": nonce, "echostr": echostr, "msg_signature": sha1_sig(TOKEN, ts, nonce, echostr)}
    r = client.get("/wecom", params=q)
    assert r.status_code == 200 and r.text == "8712345"


@pytest.mark.parametrize("offset", [-301, 301, 3600])
def test_stale_or_future_timestamps_are_refused(plain, offset):
    q = plain.query(timestamp=int(time.time()) + offset)
    r = plain.client.post("/wechat", params=q, content=message_xml("text", Content="帮助").encode())
    assert r.status_code == 403


def test_bad_signature_is_refused_in_plaintext_mode(plain):
    q = {**plain.query(), "signature": "f" * 40}
    assert plain.client.post("/wechat", params=q, content=message_xml(Content="x").encode()).status_code == 403


def test_bad_message_signature_is_refused_in_safe_mode(safe):
    body, q = safe.envelope(message_xml(Content="x"))
    q["msg_signature"] = "0" * 40
    assert safe.client.post("/wechat", params=q, content=body.encode()).status_code == 403


def test_undecryptable_payload_is_a_400_not_a_500(safe):
    garbage = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA=="
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    r = safe.client.post("/wechat", params=safe.query(garbage), content=body.encode())
    assert r.status_code == 400


def test_replayed_signature_with_another_message_is_refused(plain, engine):
    q = plain.query()
    first = plain.client.post("/wechat", params=q, content=message_xml(Content="帮助", msg_id="1001").encode())
    assert first.status_code == 200
    forged = plain.client.post("/wechat", params=q, content=message_xml(Content="人工", msg_id="1002").encode())
    assert forged.status_code == 403
    with engine.connect() as conn:
        keys = conn.execute(select(ProcessedMessage.dedupe_key)).scalars().all()
    assert not any(k.endswith(":1002") for k in keys)


def test_retransmission_with_the_same_signature_gets_the_same_reply(plain):
    q = plain.query()
    xml = message_xml(Content="帮助", msg_id="2001").encode()
    a = plain.client.post("/wechat", params=q, content=xml)
    b = plain.client.post("/wechat", params=q, content=xml)
    assert a.status_code == b.status_code == 200
    assert plain.open_reply(a)["Content"] == plain.open_reply(b)["Content"]


def test_body_over_the_cap_is_refused_before_parsing(plain):
    huge = b"<xml>" + b"<a>x</a>" * 9000 + b"</xml>"  # > 64 KB
    assert len(huge) > 64 * 1024
    assert plain.client.post("/wechat", params=plain.query(), content=huge).status_code == 413


def test_a_streamed_body_without_length_is_cut_off_at_the_cap(plain):
    def chunks():  # chunked transfer: no Content-Length to refuse on, so the reader counts
        for _ in range(20):
            yield b"<a>" + b"x" * 4096 + b"</a>"

    r = plain.client.post("/wechat", params=plain.query(), content=chunks())
    assert r.status_code == 413 and r.text == "request body too large"


def test_a_bad_content_length_is_a_client_error(plain):
    from tests.wechat_platform import message_xml

    body = message_xml(Content="你好", msg_id="3001").encode()
    r = plain.client.post("/wechat", params=plain.query(), content=body, headers={"content-length": "12x"})
    assert r.status_code == 400


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>&lol3;</Content></xml>"""
XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE], ids=["entity-bomb", "external-entity"])
def test_entity_expansion_and_external_entities_are_refused(plain, safe, body):
    assert plain.client.post("/wechat", params=plain.query(), content=body.encode()).status_code == 400
    enc_body, q = safe.envelope(body)  # the same attack hidden inside the encrypted payload
    assert safe.client.post("/wechat", params=q, content=enc_body.encode()).status_code == 400


@pytest.mark.parametrize("body", [b"", b"not xml", b"<xml><unclosed></xml>", b"<other/>", b"<xml></xml>",
                                  "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>".encode(),
                                  b"\xff\xfe\x00garbage"])
def test_malformed_input_is_a_4xx_never_a_5xx(plain, body):
    r = plain.client.post("/wechat", params=plain.query(), content=body)
    assert 400 <= r.status_code < 500


def test_malformed_query_is_a_4xx(client):
    assert client.post("/wechat", content=b"<xml/>").status_code == 400
    assert client.post("/wechat", params={"timestamp": "abc", "nonce": "1", "signature": "x"}, content=b"").status_code == 400


def test_cdata_cannot_be_closed_by_reply_text():
    xml = render_reply(Reply(text="a]]><MsgType>news</MsgType>b"), to_user="u", from_user="me")
    fields = parse_xml(xml.encode())
    assert fields["Content"] == "a]]><MsgType>news</MsgType>b"
    assert fields["MsgType"] == "text"
    assert cdata("]]>") == "<![CDATA[]]]]><![CDATA[>]]>"


def test_safe_mode_reply_is_encrypted_and_signed(safe):
    r = safe.post(message_xml(Content="帮助"))
    assert "<Encrypt>" in r.text and "Content" not in r.text
    assert "政策咨询" in safe.open_reply(r)["Content"]


def test_wecom_callback_round_trip(wecom):
    reply = wecom.open_reply(wecom.post(message_xml(Content="帮助", to="wwtestcorp0000001")))
    assert "政策咨询" in reply["Content"]


def test_retries_of_one_message_are_processed_once(safe, engine):
    xml = message_xml(Content="帮助", msg_id="777")
    replies = {safe.open_reply(safe.post(xml))["Content"] for _ in range(4)}  # 4 deliveries, fresh nonces
    assert len(replies) == 1
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(ProcessedMessage)).scalar()
    assert n == 1


@pytest.mark.parametrize("how", ["root_path", "router"])
def test_the_callback_answers_under_a_prefix_and_through_the_router(gw_settings, how):
    """The callbacks skip FastAPI's stack; served under --root-path, or reached through the router (the fast path
    cleared), they answer the same."""
    from fastapi.testclient import TestClient

    from bot.gateway import create_app
    from tests.wechat_platform import Platform, message_xml

    app = create_app(gw_settings)
    if how == "router":
        app.fast_posts.clear()
    with TestClient(app, root_path="/linli" if how == "root_path" else "") as c:
        safe = Platform(c, safe=True)
        reply = safe.open_reply(safe.post(message_xml(Content="帮助", msg_id=f"4{len(how)}01")))
    assert reply["MsgType"] == "text" and reply["Content"]
