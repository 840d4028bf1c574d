"""WeChat Official Account / WeCom callback protocol: signatures, AES (safe mode), safe XML, replies.

This is the only module that imports wechatpy (for the published AES message cipher).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from wechatpy.crypto import PrpCrypto

from bot.inbound import Inbound, Location, Reply


class ProtocolError(Exception):
    """A request that breaks the protocol; `status` is the HTTP status to answer with (always 4xx)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sha1_signature(*parts: str) -> str:
    """The WeChat signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected_parts: tuple[str, ...], given: str | None) -> bool:
    """Constant-time comparison of a signature against the one we compute."""
    if not given:
        return False
    return hmac.compare_digest(sha1_signature(*expected_parts).encode(), given.strip().lower().encode())


def check_timestamp(timestamp: str | None, tolerance: int, now: float | None = None) -> int:
    """Refuse a missing, malformed or stale (outside ±tolerance seconds) timestamp."""
    try:
        ts = int(timestamp or "")
    except ValueError:
        raise ProtocolError(400, "timestamp missing or not a number") from None
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        raise ProtocolError(403, "timestamp outside the accepted window")
    return ts


class Cipher:
    """The published WeChat AES-256-CBC message cipher, bound to one EncodingAESKey and receive id."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must be 43 characters of base64 (32 bytes)")
        self.token = token
        self.receive_id = receive_id
        self._prp = PrpCrypto(key)

    def decrypt(self, encrypted: str) -> str:
        try:
            return self._prp.decrypt(encrypted, self.receive_id)
        except Exception:  # wrong key, bad padding, foreign receive id, not base64: all the same to a caller
            raise ProtocolError(400, "cannot decrypt message") from None

    def encrypt(self, plaintext: str) -> str:
        out = self._prp.encrypt(plaintext, self.receive_id)
        return out.decode() if isinstance(out, bytes) else out

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return sha1_signature(self.token, timestamp, nonce, encrypted)

    def wrap(self, plaintext_xml: str, timestamp: str | None = None, nonce: str | None = None) -> str:
        """Encrypt and sign a reply into the safe-mode envelope."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or secrets.token_hex(8)
        encrypted = self.encrypt(plaintext_xml)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{self.sign(timestamp, nonce, encrypted)}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )


def parse_xml(body: bytes | str) -> dict[str, str]:
    """Parse a flat WeChat XML document; DTDs (entity bombs, external entities) are refused outright."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise ProtocolError(400, f"malformed or unsafe XML: {type(exc).__name__}") from None
    if root.tag != "xml":
        raise ProtocolError(400, "root element must be <xml>")
    return {child.tag: _text(child) for child in root}


def _text(el: Element) -> str:
    return (el.text or "").strip() if len(el) == 0 else ""


# ---- typed parsing: MsgType / Event -> Inbound, through a registry ---------------------------------

Parser = Callable[[dict[str, str], dict], dict]
MESSAGE_PARSERS: dict[str, Parser] = {}
EVENT_PARSERS: dict[str, Parser] = {}


def _register(table: dict[str, Parser], *names: str) -> Callable[[Parser], Parser]:
    def deco(fn: Parser) -> Parser:
        for name in names:
            table[name] = fn
        return fn

    return deco


def _float(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        raise ProtocolError(400, "bad coordinate") from None


@_register(MESSAGE_PARSERS, "text")
def _text_msg(f, out):
    return {**out, "text": f.get("Content", "")}


@_register(MESSAGE_PARSERS, "voice")
def _voice_msg(f, out):
    return {**out, "text": f.get("Recognition", ""), "media_id": f.get("MediaId")}


@_register(MESSAGE_PARSERS, "image")
def _image_msg(f, out):
    return {**out, "media_id": f.get("MediaId"), "pic_url": f.get("PicUrl")}


@_register(MESSAGE_PARSERS, "video", "shortvideo")
def _video_msg(f, out):
    return {**out, "media_id": f.get("MediaId")}


@_register(MESSAGE_PARSERS, "location")
def _location_msg(f, out):
    scale = f.get("Scale")
    loc = Location(_float(f.get("Location_X")), _float(f.get("Location_Y")), f.get("Label", ""),
                   int(scale) if scale and scale.isdigit() else None)
    return {**out, "location": loc, "text": f.get("Label", "")}


@_register(MESSAGE_PARSERS, "link")
def _link_msg(f, out):
    return {**out, "link_url": f.get("Url"), "link_title": f.get("Title"), "text": f.get("Title", "")}


@_register(EVENT_PARSERS, "subscribe")
def _subscribe(f, out):
    key = f.get("EventKey") or ""
    scene = key[len("qrscene_"):] if key.startswith("qrscene_") else None
    return {**out, "event": "subscribe", "scene": scene, "event_key": key or None}


@_register(EVENT_PARSERS, "scan")
def _scan(f, out):
    return {**out, "event": "scan", "scene": f.get("EventKey") or None, "event_key": f.get("EventKey") or None}


@_register(EVENT_PARSERS, "location")
def _location_event(f, out):
    loc = Location(_float(f.get("Latitude")), _float(f.get("Longitude")))
    return {**out, "event": "location", "location": loc}


@_register(EVENT_PARSERS, "unsubscribe", "click", "view", "enter_agent", "view_miniprogram")
def _plain_event(f, out):
    return {**out, "event": out["raw_type"], "event_key": f.get("EventKey") or None}


def to_inbound(fields: dict[str, str], channel: str) -> Inbound:
    """Map parsed XML fields to an `Inbound`; unknown types become msg_type 'unknown' (answered politely)."""
    user = fields.get("FromUserName", "")
    if not user:
        raise ProtocolError(400, "FromUserName missing")
    msg_type = fields.get("MsgType", "").lower()
    try:
        create_time = int(fields.get("CreateTime") or 0)
    except ValueError:
        raise ProtocolError(400, "CreateTime is not a number") from None
    base = {
        "channel": channel,
        "user_id": user,
        "account": fields.get("ToUserName", ""),
        "create_time": create_time,
        "msg_id": fields.get("MsgId") or fields.get("MsgID") or None,
        "msg_type": msg_type,
    }
    if msg_type == "event":
        event = fields.get("Event", "").lower()
        parser = EVENT_PARSERS.get(event)
        base["raw_type"] = event
        if parser is None:
            return Inbound(**{**base, "event": event or "unknown"})
        return Inbound(**parser(fields, base))
    parser = MESSAGE_PARSERS.get(msg_type)
    if parser is None:
        return Inbound(**{**base, "msg_type": "unknown", "raw_type": msg_type})
    return Inbound(**parser(fields, base))


# ---- rendering ---------------------------------------------------------------------------------------


def cdata(value: str) -> str:
    """Wrap in CDATA, splitting any `]]>` so a reply can never close the section and inject XML."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_reply(reply: Reply, *, to_user: str, from_user: str, create_time: int | None = None) -> str:
    """Passive reply XML for a Reply value; an empty Reply renders as '' (the caller answers `success`)."""
    now = create_time or int(time.time())
    head = (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
    )
    if reply.articles:
        items = "".join(
            f"<item><Title>{cdata(a.title)}</Title><Description>{cdata(a.description)}</Description>"
            f"<PicUrl>{cdata(a.image)}</PicUrl><Url>{cdata(a.url)}</Url></item>"
            for a in reply.articles[:8]
        )
        return f"{head}<MsgType><![CDATA[news]]></MsgType><ArticleCount>{min(len(reply.articles), 8)}</ArticleCount><Articles>{items}</Articles></xml>"
    if reply.text:
        return f"{head}<MsgType><![CDATA[text]]></MsgType><Content>{cdata(reply.text)}</Content></xml>"
    return ""


@dataclass(frozen=True)
class CallbackQuery:
    """The query string WeChat signs each callback with."""

    timestamp: str
    nonce: str
    signature: str | None = None
    msg_signature: str | None = None
    encrypt_type: str | None = None
    echostr: str | None = None

    @property
    def replay_key(self) -> str:
        return f"{self.timestamp}:{self.nonce}:{self.msg_signature or self.signature}"


class CallbackEndpoint:
    """One callback URL: an Official Account (`wechat`, plaintext or safe mode) or a WeCom app (`wecom`)."""

    def __init__(self, *, channel: str, token: str, aes_key: str, receive_id: str, tolerance: int = 300) -> None:
        self.channel = channel
        self.token = token
        self.tolerance = tolerance
        self.always_encrypted = channel == "wecom"
        self.cipher = Cipher(token, aes_key, receive_id)

    def verify_url(self, q: CallbackQuery) -> str:
        """The GET handshake: answer the echostr (decrypted for WeCom) when the signature holds."""
        check_timestamp(q.timestamp, self.tolerance)
        if not q.echostr:
            raise ProtocolError(400, "echostr missing")
        if self.always_encrypted:
            if not signature_matches((self.token, q.timestamp, q.nonce, q.echostr), q.msg_signature):
                raise ProtocolError(403, "bad signature")
            return self.cipher.decrypt(q.echostr)
        if not signature_matches((self.token, q.timestamp, q.nonce), q.signature):
            raise ProtocolError(403, "bad signature")
        return q.echostr

    def is_encrypted(self, q: CallbackQuery) -> bool:
        return self.always_encrypted or (q.encrypt_type or "").lower() == "aes"

    def open(self, q: CallbackQuery, body: bytes) -> Inbound:
        """Verify, decrypt and parse a POSTed callback into an Inbound."""
        check_timestamp(q.timestamp, self.tolerance)
        if not self.always_encrypted and not signature_matches((self.token, q.timestamp, q.nonce), q.signature):
            raise ProtocolError(403, "bad signature")
        fields = parse_xml(body)
        if self.is_encrypted(q):
            encrypted = fields.get("Encrypt", "")
            if not encrypted:
                raise ProtocolError(400, "Encrypt missing in safe mode")
            if not signature_matches((self.token, q.timestamp, q.nonce, encrypted), q.msg_signature):
                raise ProtocolError(403, "bad message signature")
            fields = parse_xml(self.cipher.decrypt(encrypted).encode("utf-8"))
        return to_inbound(fields, self.channel)

    def seal(self, reply: Reply, inbound: Inbound, q: CallbackQuery) -> str:
        """Render a reply for this request (encrypted and signed in safe mode); '' means answer `success`."""
        xml = render_reply(reply, to_user=inbound.user_id, from_user=inbound.account)
        if not xml:
            return ""
        return self.cipher.wrap(xml, nonce=q.nonce) if self.is_encrypted(q) else xml
