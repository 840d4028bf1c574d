"""Organisation: grids (households, buildings, robot key), staff accounts and residents needing care."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from admin import crud, stats
from admin.deps import ADMIN_ONLY, PROTECTED, Forbidden, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render
from bot.models import utcnow
from bot.org import service as org_service
from bot.org.models import HOUSEHOLDS_MAX, HOUSEHOLDS_MIN, ROLES, Department
from bot.tickets.errors import NotFound, PermissionDenied

router = APIRouter(prefix="/org", dependencies=PROTECTED)


def _grid(session, staff, grid_id: int):
    grid = crud.get_grid(session=session, grid_id=grid_id)
    if grid is None:
        raise NotFoundPage("这个网格不存在。")
    visible = crud.visible_grid_ids(session=session, staff=staff)
    if visible is not None and grid.id not in visible:
        raise Forbidden("这个网格不归您管理。")
    return grid


def _household_warning(households: int) -> str | None:
    if households < HOUSEHOLDS_MIN:
        return f"户数少于 {HOUSEHOLDS_MIN}，建议与相邻网格合并"
    if households > HOUSEHOLDS_MAX:
        return f"户数超过 {HOUSEHOLDS_MAX}，建议拆分网格"
    return None


@router.get("")
def grids(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Grids with household counts, the 300–500 rule, buildings and residents needing care."""
    rows = crud.grids_with_counts(session=session, grid_ids=crud.visible_grid_ids(session=session, staff=staff))
    for row in rows:
        row["warning"] = _household_warning(row["grid"].households)
        row["key"] = crud.mask_key(row["grid"].robot_key)
    return render(request, "org_grids.html", {"rows": rows, "min": HOUSEHOLDS_MIN, "max": HOUSEHOLDS_MAX})


@router.get("/grids/{grid_id}")
def grid_detail(request: Request, session: SessionDep, staff: StaffDep, grid_id: int) -> Response:
    """One grid: its buildings, and (for the street admin) its settings."""
    grid = _grid(session, staff, grid_id)
    return render(request, "org_grid.html", {
        "grid": grid, "buildings": crud.buildings_of(session=session, grid_id=grid.id),
        "key": crud.mask_key(grid.robot_key), "warning": _household_warning(grid.households)})


@router.post("/grids/{grid_id}", dependencies=[ADMIN_ONLY])
def save_grid(request: Request, session: SessionDep, staff: StaffDep, grid_id: int,
              name: Annotated[str, Form(min_length=1, max_length=64)], households: Annotated[int, Form(ge=0)],
              robot_key: Annotated[str, Form(max_length=128)] = "", clear_key: Annotated[bool, Form()] = False) -> Response:
    """Change a grid's name, households and WeCom robot key (blank keeps the old key)."""
    grid = _grid(session, staff, grid_id)
    fields = {"name": name.strip(), "households": households}
    if clear_key:
        fields["robot_key"] = None
    elif robot_key.strip():
        fields["robot_key"] = robot_key.strip()
    crud.update_grid(session=session, grid=grid, **fields)
    crud.audit(session=session, staff=staff, action="grid.update", target=f"grid:{grid.code}",
               detail={"households": households, "robot_key_changed": "robot_key" in fields}, ip=client_ip(request))
    return RedirectResponse(f"/admin/org/grids/{grid.id}", status_code=303)


@router.post("/grids/{grid_id}/buildings", dependencies=[ADMIN_ONLY])
def add_building(request: Request, session: SessionDep, staff: StaffDep, grid_id: int,
                 name: Annotated[str, Form(min_length=1, max_length=64)],
                 households: Annotated[int, Form(ge=0)] = 0) -> Response:
    """Add a building (楼栋) to a grid."""
    grid = _grid(session, staff, grid_id)
    row = crud.add_building(session=session, grid_id=grid.id, name=name.strip(), households=households)
    crud.audit(session=session, staff=staff, action="building.create", target=f"building:{row.id}",
               detail={"grid": grid.code, "name": row.name}, ip=client_ip(request))
    return RedirectResponse(f"/admin/org/grids/{grid.id}", status_code=303)


@router.get("/staff", dependencies=[ADMIN_ONLY])
def staff_list(request: Request, session: SessionDep, ok: str = "") -> Response:
    """Staff accounts: roles, grids, lockouts."""
    departments = list(session.execute(select(Department).order_by(Department.code)).scalars())
    return render(request, "org_staff.html", {"rows": crud.list_staff(session=session), "ok": ok, "now": utcnow(),
                                              "grids": crud.list_grids(session=session), "departments": departments})


def _opt_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.post("/staff", dependencies=[ADMIN_ONLY])
def create_staff(request: Request, session: SessionDep, staff: StaffDep,
                 username: Annotated[str, Form(pattern=r"^[A-Za-z0-9_.-]{2,64}$")],
                 display_name: Annotated[str, Form(min_length=1, max_length=64)], role: Annotated[str, Form()],
                 password: Annotated[str, Form(min_length=8, max_length=256)], grid_id: Annotated[str, Form()] = "",
                 department_id: Annotated[str, Form()] = "") -> Response:
    """Create an account."""
    if role not in ROLES:
        raise NotFoundPage("没有这个角色。")
    if crud.staff_by_username(session=session, username=username):
        return RedirectResponse("/admin/org/staff?ok=exists", status_code=303)
    row = crud.create_staff(session=session, username=username, display_name=display_name.strip(), role=role,
                            password=password, grid_id=_opt_int(grid_id), department_id=_opt_int(department_id))
    crud.audit(session=session, staff=staff, action="staff.create", target=f"staff:{row.username}",
               detail={"role": role}, ip=client_ip(request))
    return RedirectResponse("/admin/org/staff?ok=created", status_code=303)


def _target(session, staff_id: int):
    row = crud.get_staff(session=session, staff_id=staff_id)
    if row is None:
        raise NotFoundPage("没有这个账号。")
    return row


@router.post("/staff/{staff_id}", dependencies=[ADMIN_ONLY])
def update_staff(request: Request, session: SessionDep, staff: StaffDep, staff_id: int,
                 role: Annotated[str, Form()], grid_id: Annotated[str, Form()] = "",
                 department_id: Annotated[str, Form()] = "", active: Annotated[bool, Form()] = False) -> Response:
    """Change role, grid, department or whether the account may log in."""
    if role not in ROLES:
        raise NotFoundPage("没有这个角色。")
    row = _target(session, staff_id)
    crud.update_staff(session=session, staff=row, role=role, grid_id=_opt_int(grid_id),
                      department_id=_opt_int(department_id), active=active)
    crud.audit(session=session, staff=staff, action="staff.update", target=f"staff:{row.username}",
               detail={"role": role, "grid_id": row.grid_id, "active": active}, ip=client_ip(request))
    return RedirectResponse("/admin/org/staff?ok=saved", status_code=303)


@router.post("/staff/{staff_id}/password", dependencies=[ADMIN_ONLY])
def reset_password(request: Request, session: SessionDep, staff: StaffDep, staff_id: int,
                   password: Annotated[str, Form(min_length=8, max_length=256)]) -> Response:
    """Set a new password (and unlock the account)."""
    row = _target(session, staff_id)
    crud.set_password(session=session, staff=row, password=password)
    crud.audit(session=session, staff=staff, action="staff.password", target=f"staff:{row.username}",
               ip=client_ip(request))
    return RedirectResponse("/admin/org/staff?ok=password", status_code=303)


@router.post("/staff/{staff_id}/unlock", dependencies=[ADMIN_ONLY])
def unlock(request: Request, session: SessionDep, staff: StaffDep, staff_id: int) -> Response:
    """Lift a lockout after too many wrong passwords."""
    row = _target(session, staff_id)
    crud.unlock(session=session, staff=row)
    crud.audit(session=session, staff=staff, action="staff.unlock", target=f"staff:{row.username}",
               ip=client_ip(request))
    return RedirectResponse("/admin/org/staff?ok=unlocked", status_code=303)


@router.get("/care")
def care(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Residents needing care (关爱对象), the most overdue visit first."""
    now = utcnow()
    rows = []
    for r in org_service.list_residents(session=session, actor=staff, care_only=True):
        last = stats.aware(r.last_visit_at)
        days = (now - last).days if last else None
        rows.append({"r": r, "days": days, "due": days is None or days >= (r.visit_interval_days or 7)})
    rows.sort(key=lambda row: -(row["days"] if row["days"] is not None else 10**6))
    grids = {g.id: g for g in crud.list_grids(session=session)}
    return render(request, "org_care.html", {"rows": rows, "grids": grids})


@router.post("/care/{resident_id}/visit")
def record_visit(request: Request, session: SessionDep, staff: StaffDep, resident_id: int,
                 note: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Record a visit (走访) today, through the organisation service (which checks the grid)."""
    try:
        resident = org_service.get_resident(session=session, actor=staff, resident_id=resident_id)
        org_service.record_visit(session=session, actor=staff, resident=resident, note=note.strip() or None)
    except NotFound as exc:
        raise NotFoundPage(str(exc)) from None
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from None
    crud.audit(session=session, staff=staff, action="care.visit", target=f"resident:{resident.id}",
               ip=client_ip(request))
    return RedirectResponse("/admin/org/care", status_code=303)
