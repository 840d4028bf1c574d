"""Organisation tables: 街道 → 社区 → 网格 → 楼栋, 居民小组, departments, staff, residents and care visits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import utcnow

ROLES = {
    "street_admin": "街道管理员",
    "community_staff": "社区工作人员",
    "grid_chief": "网格长",
    "grid_worker": "网格员",
    "dept_handler": "部门处理人",
}
HOUSEHOLDS_MIN, HOUSEHOLDS_MAX = 300, 500  # a city grid


class Street(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    street_id: int = Field(foreign_key="street.id", index=True)


class Grid(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    community_id: int = Field(foreign_key="community.id", index=True)
    kind: str = Field(default="city", max_length=16)  # city | rural | special
    households: int = 0
    robot_key: str | None = Field(default=None, max_length=128)  # the grid group's WeCom robot webhook key


class Building(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    name: str = Field(max_length=64)  # 3号楼
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    households: int = 0
    latitude: float | None = None
    longitude: float | None = None
    # set on every insert and update, so the gateway's cached building names know when to be read again
    updated_at: datetime | None = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})


class ResidentGroup(SQLModel, table=True):
    """居民小组."""

    __tablename__ = "resident_group"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    name: str = Field(max_length=64)
    leader: str | None = Field(default=None, max_length=64)


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    domain: str | None = Field(default=None, max_length=32)  # the classifier's department domain, e.g. 城建


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    role: str = Field(max_length=32)  # a key of ROLES
    community_id: int | None = Field(default=None, foreign_key="community.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    phone: str | None = Field(default=None, max_length=32)
    wecom_userid: str | None = Field(default=None, max_length=64)
    password_hash: str | None = None
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Resident(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel", "openid"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default="wechat", max_length=16)
    openid: str | None = Field(default=None, max_length=128, index=True)  # None for residents staff registered
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    building_id: int | None = Field(default=None, foreign_key="building.id")
    unit: str | None = Field(default=None, max_length=64)  # 2单元301
    care_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # 独居老人, 残疾人…
    visit_interval_days: int | None = None
    last_visit_at: datetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Visit(SQLModel, table=True):
    """A recorded visit (走访) to a resident needing care."""

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    visited_at: datetime = Field(default_factory=utcnow)
    note: str | None = None
