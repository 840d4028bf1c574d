"""Invented demo data: one street, two communities, six grids with buildings, staff, residents and FAQ entries.

Every name, phone number and openid here is made up. Demo accounts share the password DEMO_PASSWORD and
are refused in production mode.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from bot.models import utcnow
from bot.org.models import Building, Community, Department, Grid, Resident, ResidentGroup, Staff, Street

DEMO_PASSWORD = "linli-demo-2026"

COMMUNITIES = [
    ("C01", "和平社区", [("G01", "和平一网格", 420), ("G02", "和平二网格", 380), ("G03", "和平三网格", 460)]),
    ("C02", "光明社区", [("G04", "光明一网格", 350), ("G05", "光明二网格", 490), ("G06", "光明三网格", 310)]),
]
DEPARTMENTS = [
    ("D-CG", "街道城管科", "城建"),
    ("D-WY", "物业管理办公室", "城建"),
    ("D-MZ", "民政科", "民政"),
    ("D-SB", "社保所", "就业社保"),
    ("D-AQ", "安全生产办", "治安"),
    ("D-SJ", "市场监管所", "市场监管"),
]
CARE = [
    ("王桂兰", ["独居老人", "高龄"], 7),
    ("李德明", ["残疾人"], 14),
    ("赵秀英", ["独居老人"], 7),
    ("陈建国", ["低保户"], 30),
]


def seed(session: Session, *, password_hash: str | None = None) -> bool:
    """Create the demo organisation once; returns False when it is already there."""
    if session.execute(select(Street).where(Street.code == "S01")).scalar_one_or_none():
        return False
    street = Street(code="S01", name="幸福街道（演示）")
    session.add(street)
    session.flush()
    session.add(Staff(username="admin", display_name="街道管理员（演示）", role="street_admin", password_hash=password_hash))
    depts = [Department(code=c, name=n, domain=d) for c, n, d in DEPARTMENTS]
    session.add_all(depts)
    session.flush()
    for i, dept in enumerate(depts, start=1):
        session.add(Staff(username=f"dept{i}", display_name=f"{dept.name}处理人", role="dept_handler",
                          department_id=dept.id, password_hash=password_hash))
    care_iter = iter(CARE)
    for c_index, (c_code, c_name, grids) in enumerate(COMMUNITIES, start=1):
        community = Community(code=c_code, name=c_name, street_id=street.id)
        session.add(community)
        session.flush()
        session.add(Staff(username=f"community{c_index}", display_name=f"{c_name}工作人员", role="community_staff",
                          community_id=community.id, password_hash=password_hash))
        session.add(ResidentGroup(community_id=community.id, name=f"{c_name}第一居民小组", leader="组长（演示）"))
        for g_index, (g_code, g_name, households) in enumerate(grids, start=1):
            grid = Grid(code=g_code, name=g_name, community_id=community.id, households=households)
            session.add(grid)
            session.flush()
            n = int(g_code[1:])
            role = "grid_chief" if g_index == 1 else "grid_worker"
            session.add(Staff(username=f"grid{n}", display_name=f"{g_name}网格员", role="grid_worker",
                              community_id=community.id, grid_id=grid.id, phone=f"1380000{n:04d}",
                              password_hash=password_hash))
            if role == "grid_chief":
                session.add(Staff(username=f"chief{c_index}", display_name=f"{c_name}网格长", role="grid_chief",
                                  community_id=community.id, grid_id=grid.id, password_hash=password_hash))
            for b in range(1, 5):
                number = (n - 1) * 4 + b
                session.add(Building(grid_id=grid.id, name=f"{number}号楼", aliases=[f"{number}栋", f"{number}幢"],
                                     households=households // 4,  # invented coordinates, ~150 m apart
                                     latitude=30.25 + n * 0.004, longitude=120.15 + b * 0.0015))
            person = next(care_iter, None)
            if person:
                name, flags, every = person
                session.add(Resident(channel="wechat", openid=f"oDemoResident{n:03d}", name=name,
                                     phone=f"1390000{n:04d}", grid_id=grid.id, unit="1单元101", care_flags=flags,
                                     visit_interval_days=every, last_visit_at=utcnow() - timedelta(days=every + 2)))
    session.flush()
    return True
