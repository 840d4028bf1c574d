"""WeCom group robots: which key a recipient means, masking residents' names and numbers, and digests."""

from __future__ import annotations

import re
from typing import Any

MAX_MARKDOWN_BYTES = 4000  # WeCom allows 4096 for markdown, 2048 for text
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_CARD = re.compile(r"(?<![\dXx])(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")


def mask_name(name: str) -> str:
    """王桂兰 → 王**."""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_text(text: str, names: list[str] | set[str] = ()) -> str:
    """Mask the given names, every mobile number (138****5678) and ID card number in a group post."""
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = PHONE.sub(r"\1****\2", text)
    return ID_CARD.sub(r"\1********\2", text)


def content_of(payload: dict[str, Any]) -> tuple[str, str]:
    """(msgtype, content) of a robot payload; text/markdown may be a string or {"content": ...}."""
    msgtype = payload.get("msgtype", "text")
    value = payload.get(msgtype, payload.get("text", ""))
    return msgtype, value.get("content", "") if isinstance(value, dict) else str(value or "")


def body_for(payload: dict[str, Any], names: list[str] | set[str] = ()) -> dict[str, Any]:
    """The webhook body for one robot row, masked."""
    msgtype, content = content_of(payload)
    masked = mask_text(content, [*names, *payload.get("mask", [])])
    if msgtype == "markdown":
        return {"msgtype": "markdown", "markdown": {"content": _cut(masked, MAX_MARKDOWN_BYTES)}}
    body: dict[str, Any] = {"msgtype": "text", "text": {"content": _cut(masked, 2000)}}
    if payload.get("mentioned_mobile_list"):
        body["text"]["mentioned_mobile_list"] = payload["mentioned_mobile_list"]
    return body


def digest_bodies(payloads: list[dict[str, Any]], names: list[str] | set[str] = ()) -> list[tuple[dict[str, Any], int]]:
    """Many posts for one group combined into as few markdown messages as fit (each ≤ 4000 bytes), with counts."""
    items = []
    for p in payloads:
        _, content = content_of(p)
        items.append("> " + mask_text(content, [*names, *p.get("mask", [])]).replace("\n", "\n> "))
    chunks: list[list[str]] = [[]]
    size = 0
    for item in items:
        item = _cut(item, MAX_MARKDOWN_BYTES - 200)
        if chunks[-1] and size + len(item.encode()) + 2 > MAX_MARKDOWN_BYTES - 100:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item.encode()) + 2
    total = len(chunks)
    out = []
    for i, chunk in enumerate(chunks, start=1):
        part = f"（{i}/{total}）" if total > 1 else ""
        head = f"**消息汇总{part}：{len(chunk)} 条**（发送过于频繁，已合并）"
        out.append(({"msgtype": "markdown", "markdown": {"content": head + "\n" + "\n\n".join(chunk)}}, len(chunk)))
    return out


def _cut(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"
