"""Dashboard figures from the tickets a person may see: counts, the 三率, overdue tickets and hot topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DONE = {"resolved", "surveyed", "closed"}
RESPONSE_LIMIT = {"emergency": timedelta(minutes=30), "default": timedelta(hours=2)}
PERIOD = timedelta(days=30)
STOPWORDS = set("的 了 是 我 你 他 她 在 有 和 就 不 也 都 要 还 吗 呢 吧 啊 请 问 一下 我们 你们 他们 这个 那个 这里 那里 "
                "什么 怎么 怎么办 可以 能 没有 一直 已经 现在 今天 昨天 小区 问题 反映 希望 麻烦 谢谢 帮忙 一个 这么 "
                "非常 特别 比较 好几 几天 还是 因为 所以 如果 但是 然后 就是 而且 或者 不是 还有 时候".split())


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass
class Rate:
    """A share with its numerator and denominator, so the page can show "12 / 15"."""

    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.hits / self.total, 1) if self.total else None


def response_rate(tickets, now: datetime) -> Rate:
    """响应率: of the tickets created in the period whose limit has passed (or that got an answer), the share
    whose first response came within the limit (30 minutes for 紧急, 2 hours otherwise)."""
    hits = total = 0
    for t in tickets:
        created = aware(t.created_at)
        if now - created > PERIOD:
            continue
        limit = RESPONSE_LIMIT["emergency" if t.urgency == "emergency" else "default"]
        first = aware(t.first_response_at)
        if first is None and now - created < limit:
            continue  # still within its limit: not decided yet
        total += 1
        hits += first is not None and first - created <= limit
    return Rate(hits, total)


def resolution_rate(tickets, now: datetime) -> Rate:
    """解决率: of the tickets created in the period (duplicates and those the resident withdrew excluded), the share
    now 办结/回访/关闭 whose resident did not answer 「未解决」."""
    rows = [t for t in tickets if now - aware(t.created_at) <= PERIOD and t.parent_id is None
            and getattr(t, "withdrawn_at", None) is None]
    hits = sum(1 for t in rows if t.status in DONE and t.resolved_confirmed is not False)
    return Rate(hits, len(rows))


def satisfaction_rate(tickets, now: datetime) -> Rate:
    """满意率: of the tickets resolved in the period with a survey score (1–5), the share scoring 4 or 5."""
    rows = [t for t in tickets if t.satisfaction is not None and t.resolved_at is not None
            and now - aware(t.resolved_at) <= PERIOD]
    return Rate(sum(1 for t in rows if t.satisfaction >= 4), len(rows))


def is_overdue(ticket, now: datetime) -> bool:
    deadline = aware(ticket.deadline_at)
    return deadline is not None and ticket.status not in DONE and deadline < now


def words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w) >= 2 and w not in STOPWORDS and not w.isdigit()
            and any("\u4e00" <= ch <= "\u9fff" for ch in w)]


def hot_topics(tickets, now: datetime, top: int = 10) -> list[dict]:
    """Terms of this week's ticket texts, most frequent first, with last week's count beside them."""
    this_week, last_week = Counter(), Counter()
    for t in tickets:
        age = now - aware(t.created_at)
        if age <= timedelta(days=7):
            this_week.update(set(words(t.text)))
        elif age <= timedelta(days=14):
            last_week.update(set(words(t.text)))
    return [{"term": term, "count": n, "last": last_week.get(term, 0), "delta": n - last_week.get(term, 0)}
            for term, n in this_week.most_common(top)]


def counts(tickets, key) -> list[tuple[str, int]]:
    return Counter(key(t) for t in tickets).most_common()
