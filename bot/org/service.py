"""Organisation service: who sees which grid (scope), residents and their binding, care visits, grid sizes."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from bot.models import utcnow
from bot.org.models import HOUSEHOLDS_MAX, HOUSEHOLDS_MIN, Building, Community, Grid, Resident, Staff, Visit
from bot.tickets.errors import NotFound, PermissionDenied

NEAREST_MAX_METRES = 2000  # a location farther than this from every building binds to nothing


# ---- scope --------------------------------------------------------------------------------------------

def grid_scope(actor: Staff | None) -> tuple[str, int | None]:
    """What part of the street an actor sees: ("all", None) | ("community", id) | ("grid", id) | ("none", None)."""
    if actor is None or actor.role == "street_admin":
        return "all", None
    if actor.role == "community_staff" and actor.community_id:
        return "community", actor.community_id
    if actor.role in ("grid_worker", "grid_chief") and actor.grid_id:
        return "grid", actor.grid_id
    return "none", None


def sees_place(actor: Staff | None, *, grid_id: int | None, community_id: int | None) -> bool:
    """Whether the actor's scope covers a place (a resident's or ticket's grid and community)."""
    kind, value = grid_scope(actor)
    if kind == "all":
        return True
    if kind == "community":
        return community_id is not None and community_id == value
    if kind == "grid":
        return grid_id is not None and grid_id == value
    return False


def community_of_grid(*, session: Session, grid_id: int | None) -> int | None:
    if grid_id is None:
        return None
    return session.execute(_COMMUNITY_OF_GRID, {"grid_id": grid_id}).scalar_one_or_none()


_COMMUNITY_OF_GRID = select(Grid.community_id).where(Grid.id == bindparam("grid_id"))


def staff_by_username(*, session: Session, username: str) -> Staff:
    row = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"没有用户名为 {username} 的工作人员")
    return row


def get_staff(*, session: Session, staff_id: int) -> Staff:
    row = session.get(Staff, staff_id)
    if row is None:
        raise NotFound(f"没有编号为 {staff_id} 的工作人员")
    return row


# ---- residents ----------------------------------------------------------------------------------------

def _resident_scope(stmt, actor: Staff | None):
    kind, value = grid_scope(actor)
    if kind == "all":
        return stmt
    if kind == "community":
        return stmt.where(Resident.grid_id.in_(select(Grid.id).where(Grid.community_id == value)))
    if kind == "grid":
        return stmt.where(Resident.grid_id == value)
    return stmt.where(False)


def list_residents(*, session: Session, actor: Staff | None, care_only: bool = False) -> list[Resident]:
    """Residents in the actor's scope (a department handler sees none); `care_only`: those flagged for care."""
    stmt = _resident_scope(select(Resident).order_by(Resident.id), actor)
    rows = list(session.execute(stmt).scalars())
    return [r for r in rows if r.care_flags] if care_only else rows


def get_resident(*, session: Session, actor: Staff | None, resident_id: int) -> Resident:
    row = session.get(Resident, resident_id)
    if row is None:
        raise NotFound("没有这位居民")
    if not sees_place(actor, grid_id=row.grid_id, community_id=community_of_grid(session=session, grid_id=row.grid_id)):
        raise PermissionDenied("这位居民不在您负责的网格内")
    return row


_RESIDENT_OF = select(Resident).where(Resident.channel == bindparam("channel"), Resident.openid == bindparam("openid"))


def resident_of(*, session: Session, channel: str, openid: str) -> Resident | None:
    """The resident bound to this openid (a statement built once: it runs on most complaints)."""
    return session.execute(_RESIDENT_OF, {"channel": channel, "openid": openid}).scalar_one_or_none()


_residents = Resident.__table__
_RESIDENT_PLACE = (select(_residents.c.id, _residents.c.grid_id, _residents.c.building_id, _residents.c.unit)
                   .where(_residents.c.channel == bindparam("channel"), _residents.c.openid == bindparam("openid")))


def resident_place(*, session: Session, channel: str, openid: str):  # noqa: ANN201
    """The bound resident's id, grid_id, building_id and unit, or None: a Core row read fresh, for the dialogue,
    which only reads them (a third of the cost of loading the ORM object on every complaint)."""
    return session.connection().execute(_RESIDENT_PLACE, {"channel": channel, "openid": openid}).first()


def bind_resident(*, session: Session, channel: str, openid: str, building_id: int | None = None,
                  grid_id: int | None = None, unit: str | None = None) -> Resident:
    """Bind a resident's openid to a building (and so its grid), or to a grid alone; creates the resident."""
    grid = None
    if building_id is not None:
        building = session.get(Building, building_id)
        if building is None:
            raise NotFound("没有这栋楼")
        grid_id = building.grid_id
    if grid_id is not None:
        grid = session.get(Grid, grid_id)
        if grid is None:
            raise NotFound("没有这个网格")
    resident = resident_of(session=session, channel=channel, openid=openid)
    if resident is None:
        resident = Resident(channel=channel, openid=openid)
    resident.grid_id = grid.id if grid else None
    resident.building_id = building_id
    resident.unit = unit
    session.add(resident)
    session.flush()
    return resident


def unbind_resident(*, session: Session, channel: str, openid: str) -> str | None:
    """The WeChat account no longer tied to an address: the place it had (for the reply), or None if none was bound.
    The resident's row stays, without the openid: staff may keep care flags and visits on it, and tickets point to it."""
    resident = resident_of(session=session, channel=channel, openid=openid)
    if resident is None or (resident.grid_id is None and resident.building_id is None):
        return None
    place = place_label(session=session, grid_id=resident.grid_id, building_id=resident.building_id) + (resident.unit or "")
    resident.openid = None
    session.add(resident)
    session.flush()
    return place


def set_care_flags(*, session: Session, actor: Staff | None, resident: Resident, flags: list[str],
                   visit_interval_days: int | None = None) -> Resident:
    """Flag a resident as needing care (独居老人, 残疾人, …) with a visit interval."""
    get_resident(session=session, actor=actor, resident_id=resident.id)
    resident.care_flags = list(dict.fromkeys(flags))
    resident.visit_interval_days = visit_interval_days
    session.add(resident)
    session.flush()
    return resident


def record_visit(*, session: Session, actor: Staff, resident: Resident, note: str | None = None,
                 now: datetime | None = None) -> Visit:
    """A 走访 by a staff member of the resident's grid or community."""
    get_resident(session=session, actor=actor, resident_id=resident.id)
    now = now or utcnow()
    visit = Visit(resident_id=resident.id, staff_id=actor.id, visited_at=now, note=note)
    resident.last_visit_at = now
    session.add_all([visit, resident])
    session.flush()
    return visit


def residents_needing_visit(*, session: Session, now: datetime, default_days: int = 7) -> list[Resident]:
    """Residents flagged for care whose last visit is older than their interval (or who were never visited)."""
    due = []
    for r in session.execute(select(Resident).order_by(Resident.id)).scalars():
        if not r.care_flags:
            continue
        every = timedelta(days=r.visit_interval_days or default_days)
        if r.last_visit_at is None or _aware(r.last_visit_at) + every <= now:
            due.append(r)
    return due


def _aware(value: datetime) -> datetime:
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ---- places -------------------------------------------------------------------------------------------

_UNIT = re.compile(r"(\d+)\s*单元\s*(\d+)?\s*(?:室|号)?")
# 「3号楼501」, 「5栋1202室」: a flat number straight after the building, with no 单元 (most towers have one door).
# Three or four digits, not followed by what makes them a count, a date or an amount (「3号楼100多户」)
_ROOM = re.compile(r"(?:号楼|楼|栋|幢|座)\s*(\d{3,4})\s*(?:室|号|房)?(?![\d年月日号楼栋层元块米户人多个天次])")


def parse_unit(text: str) -> str | None:
    """「2单元301」 (or 「501室」 when a flat follows the building with no 单元) from free text, or None."""
    m = _UNIT.search(text)
    if m:
        return f"{m.group(1)}单元" + (m.group(2) or "")
    m = _ROOM.search(text)
    return f"{m.group(1)}室" if m else None


class BuildingRef(NamedTuple):
    """A building found in a message: what the dialogue needs of it (its id and grid), without loading it."""

    id: int
    grid_id: int


def find_building(*, session: Session, text: str, community_id: int | None = None) -> Building | None:
    """The building named in the text (by name or alias, e.g. 3号楼 / 3栋); prefers the given community."""
    found = building_named(session=session, text=text, community_id=community_id)
    return session.get(Building, found.id) if found else None


def building_named(*, session: Session, text: str, community_id: int | None = None) -> BuildingRef | None:
    """As find_building, but only the building's id and grid id, from the cached names (read again whenever a
    building changed): no ORM load of the building on every complaint that names one."""
    hits: list[tuple[int, int, int | None]] = []  # (length of the name found, building id, grid id)
    for building_id, grid_id, names in _building_names(session):
        for name in names:
            if name in text and re.search(rf"(?<![0-9０-９]){re.escape(name)}", text):
                hits.append((len(name), building_id, grid_id))
                break
    if not hits:
        return None
    if community_id is not None:
        grid_ids = set(session.execute(select(Grid.id).where(Grid.community_id == community_id)).scalars())
        local = [h for h in hits if h[2] in grid_ids]
        hits = local or hits
    hits.sort(key=lambda h: -h[0])
    best = [h for h in hits if h[0] == hits[0][0]]
    return BuildingRef(best[0][1], best[0][2]) if len(best) == 1 else None  # two with the same name: ambiguous


_buildings = Building.__table__
_BUILDING_NAMES = select(_buildings.c.id, _buildings.c.grid_id, _buildings.c.name, _buildings.c.aliases).order_by(_buildings.c.id)
_BUILDING_STAMP = select(func.count(), func.max(_buildings.c.id), func.max(_buildings.c.updated_at))
_names_cache: dict[str, tuple[tuple, list[tuple[int, int, tuple[str, ...]]]]] = {}


def _building_names(session: Session) -> list[tuple[int, int, tuple[str, ...]]]:
    """(id, grid id, names and aliases) of every building, read again only when a cheap stamp changes.

    A street has hundreds of buildings: decoding all their aliases on every complaint cost 7.6 ms at 600
    buildings; the stamp (count, max id, last update) is one aggregate query in the same transaction."""
    key = str(session.get_bind().url)
    stamp = tuple(session.execute(_BUILDING_STAMP).one())
    cached = _names_cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    names = [(row.id, row.grid_id, tuple(n for n in (row.name, *(row.aliases or ())) if n))
             for row in session.execute(_BUILDING_NAMES)]
    _names_cache[key] = (stamp, names)
    return names


def distance_metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearest_building(*, session: Session, latitude: float, longitude: float,
                     max_metres: float = NEAREST_MAX_METRES) -> Building | None:
    stmt = select(Building).where(Building.latitude.is_not(None), Building.longitude.is_not(None))
    best, best_d = None, max_metres
    for b in session.execute(stmt).scalars():
        d = distance_metres(latitude, longitude, b.latitude, b.longitude)
        if d <= best_d:
            best, best_d = b, d
    return best


def nearest_grid(*, session: Session, latitude: float, longitude: float,
                 max_metres: float = NEAREST_MAX_METRES) -> Grid | None:
    """The grid of the nearest building with coordinates, within `max_metres`."""
    b = nearest_building(session=session, latitude=latitude, longitude=longitude, max_metres=max_metres)
    return session.get(Grid, b.grid_id) if b else None


_grids, _communities = Grid.__table__, Community.__table__
_PLACE_NAMES = select(
    select(_communities.c.name).join_from(_grids, _communities, _communities.c.id == _grids.c.community_id)
    .where(_grids.c.id == bindparam("grid_id")).scalar_subquery(),
    select(_grids.c.name).where(_grids.c.id == bindparam("grid_id")).scalar_subquery(),
    select(_buildings.c.name).where(_buildings.c.id == bindparam("building_id")).scalar_subquery(),
)


def place_label(*, session: Session, grid_id: int | None, building_id: int | None = None) -> str:
    """「和平社区 和平一网格 3号楼」 for replies.

    One Core statement read fresh each time (names staff may have just edited), instead of three ORM loads."""
    if not grid_id and not building_id:
        return ""
    community, grid, building = session.execute(
        _PLACE_NAMES, {"grid_id": grid_id or None, "building_id": building_id or None}).one()
    return " ".join(p for p in (community, grid, building) if p)


def community_name(*, session: Session, community_id: int | None) -> str:
    """「和平社区」, or "" for none."""
    if community_id is None:
        return ""
    return session.execute(select(Community.name).where(Community.id == community_id)).scalar_one_or_none() or ""


def household_warnings(*, session: Session) -> list[str]:
    """City grids outside 300–500 households (counted on the grid, or summed over its buildings)."""
    warnings = []
    for grid in session.execute(select(Grid).where(Grid.kind == "city").order_by(Grid.code)).scalars():
        count = grid.households or sum(
            session.execute(select(Building.households).where(Building.grid_id == grid.id)).scalars())
        if not HOUSEHOLDS_MIN <= count <= HOUSEHOLDS_MAX:
            side = "少于" if count < HOUSEHOLDS_MIN else "多于"
            warnings.append(f"{grid.code} {grid.name}：{count} 户，{side}城市网格 {HOUSEHOLDS_MIN}–{HOUSEHOLDS_MAX} 户的标准")
    return warnings

