"""Local time for the street office (Asia/Shanghai): quiet hours, local days, the next local midnight."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=4)
def zone(name: str = "Asia/Shanghai") -> ZoneInfo:
    return ZoneInfo(name)


def local(now: datetime, tz: str = "Asia/Shanghai") -> datetime:
    return now.astimezone(zone(tz))


def local_day(now: datetime, tz: str = "Asia/Shanghai") -> str:
    """YYYY-MM-DD of `now` in local time: the unit of "once per day" keys."""
    return local(now, tz).strftime("%Y-%m-%d")


def _parse_quiet(spec: str) -> tuple[time, time]:
    start, end = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    return start, end


def quiet_until(now: datetime, spec: str = "22:00-07:00", tz: str = "Asia/Shanghai") -> datetime | None:
    """When quiet hours are on at `now`, the UTC time they end; else None."""
    if not spec:
        return None
    start, end = _parse_quiet(spec)
    here = local(now, tz)
    t = here.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    end_at = datetime.combine(here.date(), end, tzinfo=here.tzinfo)
    if end_at <= here:
        end_at += timedelta(days=1)
    return end_at.astimezone(timezone.utc)


def next_local_midnight(now: datetime, tz: str = "Asia/Shanghai") -> datetime:
    """WeChat daily quotas reset at 00:00 Beijing time."""
    here = local(now, tz)
    midnight = datetime.combine(here.date() + timedelta(days=1), time(0, 0), tzinfo=here.tzinfo)
    return midnight.astimezone(timezone.utc)
