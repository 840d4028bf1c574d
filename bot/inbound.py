"""Our own message values: `Inbound` (what a resident sent, from any channel) and `Reply` (what we answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_BYTES = 2048
MORE_HINT = "\n……\n回复「更多」查看全文"
_NOT_WORD = re.compile(r"[\s\W_]+")


def bare(text: str) -> str:
    """What a resident typed without spaces, punctuation or emoji: 「确认！」 and 「 确 认 」 are 确认."""
    return _NOT_WORD.sub("", text)


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""
    scale: int | None = None


@dataclass(frozen=True)
class Inbound:
    """One message or event from a resident, already verified, decrypted and parsed at the channel edge."""

    channel: str  # wechat | wecom | web
    user_id: str  # openid (wechat), userid (wecom), session id (web)
    msg_type: str  # text | voice | image | location | link | video | shortvideo | event | unknown
    create_time: int = 0
    msg_id: str | None = None
    account: str = ""  # ToUserName: our account id
    text: str = ""  # text content, or the voice Recognition
    event: str | None = None  # subscribe | unsubscribe | click | view | scan | location | ...
    event_key: str | None = None
    scene: str | None = None  # qrscene_ value of a subscribe, or the SCAN EventKey
    media_id: str | None = None
    pic_url: str | None = None
    location: Location | None = None
    link_url: str | None = None
    link_title: str | None = None
    raw_type: str | None = None  # the MsgType / Event as sent, for unknown types

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime + Event for events (which carry no MsgId)."""
        if self.msg_id:
            return f"{self.channel}:{self.account}:m:{self.msg_id}"
        return f"{self.channel}:{self.account}:e:{self.user_id}:{self.create_time}:{self.event or self.raw_type}"


@dataclass(frozen=True)
class Article:
    title: str
    description: str = ""
    url: str = ""
    image: str = ""


@dataclass(frozen=True)
class Reply:
    """What the dialogue answers; the channel edge renders it (None text and no articles -> bare `success`)."""

    text: str | None = None
    articles: tuple[Article, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.text and not self.articles

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "articles": [a.__dict__ for a in self.articles],
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Reply":
        if not data:
            return cls()
        return cls(
            text=data.get("text"),
            articles=tuple(Article(**a) for a in data.get("articles") or ()),
            meta=data.get("meta") or {},
        )


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> tuple[str, str]:
    """Split a long answer at `limit` UTF-8 bytes: (first part with the 更多 hint, the rest)."""
    if len(text.encode("utf-8")) <= limit:
        return text, ""
    budget = limit - len(MORE_HINT.encode("utf-8"))
    cut, used = 0, 0
    for i, ch in enumerate(text):
        used += len(ch.encode("utf-8"))
        if used > budget:
            break
        cut = i + 1
    # prefer to break at a line or sentence end in the last fifth of the part
    for sep in ("\n", "。", "；", "，"):
        pos = text.rfind(sep, int(cut * 0.8), cut)
        if pos > 0:
            cut = pos + 1
            break
    return text[:cut].rstrip() + MORE_HINT, text[cut:].lstrip()
