"""A stand-in for the WeChat platform, written from the published algorithm (not with wechatpy)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
import time
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN = "test-token"
AES_KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode().rstrip("=")
APPID = "wxtestappid000001"
CORP_ID = "wwtestcorp0000001"


def sha1_sig(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _key(aes_key: str) -> bytes:
    return base64.b64decode(aes_key + "=")


def aes_encrypt(plain: str, aes_key: str = AES_KEY, receive_id: str = APPID) -> str:
    """random(16) + len(4, network order) + msg + receive id, PKCS#7 padded to 32, AES-256-CBC, iv = key[:16]."""
    key = _key(aes_key)
    body = plain.encode()
    data = os.urandom(16) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode()


def aes_decrypt(encrypted: str, aes_key: str = AES_KEY, receive_id: str = APPID) -> str:
    key = _key(aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    pad = data[-1]
    assert 1 <= pad <= 32 and data[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
    data = data[:-pad]
    length = struct.unpack(">I", data[16:20])[0]
    assert data[20 + length:].decode() == receive_id, "receive id mismatch"
    return data[20:20 + length].decode()


def message_xml(msg_type: str = "text", *, user: str = "oResident001", to: str = "gh_linli", create_time: int | None = None,
                msg_id: str | None = None, **fields: str) -> str:
    ct = create_time or int(time.time())
    parts = [f"<ToUserName><![CDATA[{to}]]></ToUserName>", f"<FromUserName><![CDATA[{user}]]></FromUserName>",
             f"<CreateTime>{ct}</CreateTime>", f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
    for k, v in fields.items():
        parts.append(f"<{k}><![CDATA[{v}]]></{k}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id or secrets.randbelow(10**18)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


class Platform:
    """Signs (and in safe mode encrypts) callbacks like the WeChat servers, and opens the replies."""

    def __init__(self, client, *, path: str = "/wechat", safe: bool = True, wecom: bool = False) -> None:
        self.client = client
        self.path = path
        self.safe = safe or wecom
        self.wecom = wecom
        self.receive_id = CORP_ID if wecom else APPID

    def query(self, encrypted: str | None = None, *, timestamp: int | None = None, nonce: str | None = None) -> dict:
        ts = str(timestamp or int(time.time()))
        nonce = nonce or secrets.token_hex(6)
        q = {"timestamp": ts, "nonce": nonce}
        if not self.wecom:
            q["signature"] = sha1_sig(TOKEN, ts, nonce)
            q["openid"] = "oResident001"
        if self.safe:
            q["msg_signature"] = sha1_sig(TOKEN, ts, nonce, encrypted or "")
            if not self.wecom:
                q["encrypt_type"] = "aes"
        return q

    def envelope(self, xml: str) -> tuple[str, dict]:
        if not self.safe:
            return xml, self.query()
        encrypted = aes_encrypt(xml, receive_id=self.receive_id)
        body = f"<xml><ToUserName><![CDATA[gh_linli]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return body, self.query(encrypted)

    def post(self, xml: str, query: dict | None = None):
        body, q = self.envelope(xml)
        return self.client.post(self.path, params=query or q, content=body.encode())

    def open_reply(self, response) -> dict[str, str]:
        """The reply's fields, after checking its signature and decrypting it in safe mode."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return {}
        root = ET.fromstring(response.text)
        fields = {c.tag: (c.text or "") for c in root}
        if self.safe:
            assert fields["MsgSignature"] == sha1_sig(TOKEN, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            root = ET.fromstring(aes_decrypt(fields["Encrypt"], receive_id=self.receive_id))
            fields = {c.tag: (c.text or "") for c in root}
        return fields

    def say(self, text: str, **kw) -> str:
        return self.open_reply(self.post(message_xml("text", Content=text, **kw))).get("Content", "")
