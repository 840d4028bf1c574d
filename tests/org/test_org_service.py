"""Organisation service: scope over residents, binding by building or location, care visits, grid sizes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.org import service
from bot.org.models import Grid, Resident
from bot.tickets.errors import PermissionDenied
from tests.tickets.conftest import T0


def test_a_grid_worker_sees_only_residents_of_their_grid(org):
    s = org.session
    grid1, grid4 = org.staff("grid1"), org.staff("grid4")
    mine = service.list_residents(session=s, actor=grid1)
    assert [r.grid_id for r in mine] == [org.grid("G01").id]
    other = service.list_residents(session=s, actor=grid4)[0]
    with pytest.raises(PermissionDenied):
        service.get_resident(session=s, actor=grid1, resident_id=other.id)
    with pytest.raises(PermissionDenied):
        service.record_visit(session=s, actor=grid1, resident=other, note="走访")
    assert len(service.list_residents(session=s, actor=org.staff("community1"))) == 3
    assert len(service.list_residents(session=s, actor=org.staff("admin"))) == 4
    assert service.list_residents(session=s, actor=org.staff("dept1")) == []


def test_building_names_are_read_again_when_buildings_change(org):
    """find_building keeps the names between messages; a new building or a renamed one is seen at once."""
    from bot.org.models import Building

    s = org.session
    assert service.find_building(session=s, text="88号楼灯坏了") is None
    s.add(Building(grid_id=org.grid("G02").id, name="88号楼", aliases=["88栋"]))
    s.flush()
    assert service.find_building(session=s, text="88栋灯坏了").grid_id == org.grid("G02").id
    renamed = org.building("13号楼")
    renamed.name = "13号院"
    s.flush()
    assert service.find_building(session=s, text="13号院门口").id == renamed.id
    assert service.find_building(session=s, text="13号楼门口") is None


def test_binding_by_building_name_alias_and_unit(org):
    s = org.session
    b = service.find_building(session=s, text="绑定 3栋2单元301")
    assert b.name == "3号楼"
    assert service.find_building(session=s, text="13号楼").name == "13号楼"  # not 3号楼
    assert service.find_building(session=s, text="99号楼") is None
    assert service.parse_unit("3号楼2单元301室") == "2单元301"
    # a flat straight after the building (most towers have one door); not a count, a year or a distance
    assert [service.parse_unit(t) for t in ("3号楼501", "5栋 1202室", "3号楼100多户", "3号楼2023年装的", "3号楼300米")] \
        == ["501室", "1202室", None, None, None]
    r = service.bind_resident(session=s, channel="wechat", openid="oNew", building_id=b.id, unit="2单元301")
    assert (r.grid_id, r.building_id, r.unit) == (b.grid_id, b.id, "2单元301")
    again = service.bind_resident(session=s, channel="wechat", openid="oNew", building_id=org.building("5号楼").id)
    assert again.id == r.id and again.grid_id == org.grid("G02").id


def test_the_nearest_building_decides_the_grid_of_a_location(org):
    s = org.session
    b = org.building("14号楼")
    grid = service.nearest_grid(session=s, latitude=b.latitude + 0.0002, longitude=b.longitude - 0.0001)
    assert grid.code == "G04"
    assert service.nearest_grid(session=s, latitude=b.latitude + 1, longitude=b.longitude) is None  # 100 km away


def test_care_residents_needing_a_visit(org):
    s = org.session
    due = service.residents_needing_visit(session=s, now=T0 + timedelta(days=365))
    assert len(due) == 4
    r = due[0]
    service.record_visit(session=s, actor=org.staff("admin"), resident=r, note="身体状况良好", now=T0 + timedelta(days=365))
    assert r not in service.residents_needing_visit(session=s, now=T0 + timedelta(days=366))
    plain = Resident(channel="wechat", openid="oPlain", grid_id=org.grid("G01").id)
    s.add(plain)
    s.flush()
    service.set_care_flags(session=s, actor=org.staff("grid1"), resident=plain, flags=["独居老人"], visit_interval_days=7)
    assert plain in service.residents_needing_visit(session=s, now=T0)
    assert plain in service.list_residents(session=s, actor=org.staff("grid1"), care_only=True)


def test_household_warnings_for_city_grids_outside_300_to_500(org):
    s = org.session
    assert service.household_warnings(session=s) == []
    g = org.grid("G05")
    g.households = 520
    s.add(Grid(code="G99", name="新网格", community_id=g.community_id, households=0))
    s.add(Grid(code="R01", name="村网格", community_id=g.community_id, kind="rural", households=80))
    s.flush()
    warnings = service.household_warnings(session=s)
    assert len(warnings) == 2 and "G05" in warnings[0] and "多于" in warnings[0] and "G99" in warnings[1]


def test_place_labels_name_community_grid_and_building_as_staff_just_renamed_them(org):
    from bot.org.models import Community

    s = org.session
    grid, building = org.grid("G02"), org.building("5号楼")
    community = s.get(Community, grid.community_id)
    assert service.place_label(session=s, grid_id=grid.id, building_id=building.id) == \
        f"{community.name} {grid.name} 5号楼"
    assert service.place_label(session=s, grid_id=grid.id) == f"{community.name} {grid.name}"
    assert service.place_label(session=s, grid_id=None, building_id=building.id) == "5号楼"
    assert service.place_label(session=s, grid_id=None) == ""
    assert service.place_label(session=s, grid_id=999999, building_id=999999) == ""
    grid.name, community.name, building.name = "新一网格", "新社区", "5号院"
    s.flush()
    assert service.place_label(session=s, grid_id=grid.id, building_id=building.id) == "新社区 新一网格 5号院"


def test_the_dialogue_reads_a_residents_place_as_just_bound(org):
    s = org.session
    assert service.resident_place(session=s, channel="wechat", openid="oPlace") is None
    b3, b5 = org.building("3号楼"), org.building("5号楼")
    r = service.bind_resident(session=s, channel="wechat", openid="oPlace", building_id=b3.id, unit="2单元301")
    place = service.resident_place(session=s, channel="wechat", openid="oPlace")
    assert (place.id, place.grid_id, place.building_id, place.unit) == (r.id, b3.grid_id, b3.id, "2单元301")
    service.bind_resident(session=s, channel="wechat", openid="oPlace", building_id=b5.id)
    place = service.resident_place(session=s, channel="wechat", openid="oPlace")
    assert (place.grid_id, place.building_id, place.unit) == (b5.grid_id, b5.id, None)
    assert service.resident_place(session=s, channel="web", openid="oPlace") is None


def test_a_building_named_in_a_message_follows_a_move_to_another_grid_at_once(org):
    s = org.session
    b = org.building("5号楼")
    found = service.building_named(session=s, text="5号楼电梯坏了")
    assert (found.id, found.grid_id) == (b.id, b.grid_id)
    b.grid_id = org.grid("G01").id if b.grid_id != org.grid("G01").id else org.grid("G02").id
    s.flush()  # updated_at moves with every update: the cached names are read again
    assert service.building_named(session=s, text="5号楼电梯坏了").grid_id == b.grid_id
    assert service.find_building(session=s, text="5号楼电梯坏了") is b
    assert service.building_named(session=s, text="99号楼") is None
