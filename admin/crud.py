"""All SQL of the admin pages that no other service offers: sessions, staff accounts, audit, chats, org."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from admin import security
from admin.models import AdminJob, AdminSession, AuditLog, CannedReply
from bot.models import ChatMessage, Conversation, Outbox, utcnow
from bot.org.models import Building, Community, Grid, Resident, Staff
from bot.outbox import enqueue

REPLY_WINDOW = timedelta(hours=48)


# ---- staff and sessions -------------------------------------------------------------------------------

def get_staff(*, session: Session, staff_id: int) -> Staff | None:
    return session.get(Staff, staff_id)


def staff_by_username(*, session: Session, username: str) -> Staff | None:
    return session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()


def list_staff(*, session: Session) -> list[Staff]:
    return list(session.execute(select(Staff).order_by(Staff.role, Staff.username)).scalars())


def create_staff(*, session: Session, username: str, display_name: str, role: str, password: str | None = None,
                 grid_id: int | None = None, community_id: int | None = None,
                 department_id: int | None = None) -> Staff:
    if grid_id and not community_id:
        grid = session.get(Grid, grid_id)
        community_id = grid.community_id if grid else None
    staff = Staff(username=username, display_name=display_name, role=role, grid_id=grid_id,
                  community_id=community_id, department_id=department_id,
                  password_hash=security.hash_password(password) if password else None)
    session.add(staff)
    session.flush()
    return staff


def update_staff(*, session: Session, staff: Staff, **fields: Any) -> Staff:
    for name, value in fields.items():
        setattr(staff, name, value)
    if staff.grid_id:
        grid = session.get(Grid, staff.grid_id)
        staff.community_id = grid.community_id if grid else staff.community_id
    session.add(staff)
    session.flush()
    return staff


def set_password(*, session: Session, staff: Staff, password: str) -> None:
    staff.password_hash = security.hash_password(password)
    unlock(session=session, staff=staff)


def unlock(*, session: Session, staff: Staff) -> None:
    staff.failed_logins = 0
    staff.locked_until = None
    session.add(staff)
    session.flush()


def login_failed(*, session: Session, staff: Staff, now: datetime) -> None:
    staff.failed_logins, locked = security.after_failure(staff.failed_logins, now)
    if locked:
        staff.locked_until = locked
    session.add(staff)
    session.flush()


def open_session(*, session: Session, staff: Staff, ip: str | None, now: datetime) -> AdminSession:
    staff.failed_logins = 0
    staff.locked_until = None
    row = AdminSession(id=security.new_token(), staff_id=staff.id, csrf_token=security.new_token(), ip=ip,
                       created_at=now, last_seen_at=now)
    session.add_all([staff, row])
    session.flush()
    return row


def live_session(*, session: Session, session_id: str, now: datetime, max_age: int) -> AdminSession | None:
    """The session if it is neither idle too long nor too old; touching it keeps it alive."""
    row = session.get(AdminSession, session_id)
    if row is None:
        return None
    if now - row.last_seen_at > security.IDLE_TIMEOUT or now - row.created_at > timedelta(seconds=max_age):
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at > timedelta(seconds=30):  # avoid a write on every poll
        row.last_seen_at = now
        session.add(row)
        session.flush()
    return row


def close_session(*, session: Session, session_id: str) -> None:
    row = session.get(AdminSession, session_id)
    if row is not None:
        session.delete(row)
        session.flush()


# ---- audit ----------------------------------------------------------------------------------------------

def audit(*, session: Session, staff: Staff | None, action: str, target: str | None = None,
          detail: dict[str, Any] | None = None, ip: str | None = None, username: str | None = None) -> AuditLog:
    row = AuditLog(staff_id=staff.id if staff else None, username=username or (staff.username if staff else "-"),
                   action=action, target=target, detail=detail, ip=ip)
    session.add(row)
    session.flush()
    return row


FAILED_LOGINS = ("login.failed", "login.locked")


def failed_logins_from(*, session: Session, ip: str, since: datetime) -> int:
    """Wrong passwords and unknown names tried from one address since `since` (from the audit log)."""
    stmt = select(func.count()).select_from(AuditLog).where(
        AuditLog.ip == ip, AuditLog.action.in_(FAILED_LOGINS), AuditLog.at >= since)
    return session.execute(stmt).scalar_one()


def list_audit(*, session: Session, username: str | None = None, action: str | None = None,
               limit: int = 200) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if username:
        stmt = stmt.where(AuditLog.username == username)
    if action:
        stmt = stmt.where(AuditLog.action.like(f"{action}%"))
    return list(session.execute(stmt).scalars())


# ---- scope ----------------------------------------------------------------------------------------------

def visible_grid_ids(*, session: Session, staff: Staff) -> set[int] | None:
    """The grids a person may see: None means all (街道管理员); an empty set means none."""
    if staff.role == "street_admin":
        return None
    if staff.role == "community_staff" and staff.community_id:
        return set(session.execute(select(Grid.id).where(Grid.community_id == staff.community_id)).scalars())
    if staff.role in ("grid_worker", "grid_chief") and staff.grid_id:
        return {staff.grid_id}
    return set()


# ---- chats ----------------------------------------------------------------------------------------------

def _resident_grid(session: Session, conv: Conversation) -> int | None:
    return session.execute(select(Resident.grid_id).where(Resident.channel == conv.channel,
                                                          Resident.openid == conv.user_id)).scalar()


def can_see_conversation(*, session: Session, staff: Staff, conv: Conversation) -> bool:
    """Chats of residents bound to a grid belong to that grid; unbound residents are everyone's."""
    if staff.role == "dept_handler":
        return False
    grids = visible_grid_ids(session=session, staff=staff)
    if grids is None:
        return True
    grid_id = _resident_grid(session, conv)
    return grid_id is None or grid_id in grids


def handoff_conversations(*, session: Session, staff: Staff) -> list[Conversation]:
    stmt = (select(Conversation).where(Conversation.handoff.is_not(None))
            .order_by(Conversation.handoff.desc(), Conversation.last_inbound_at.desc()))
    rows = session.execute(stmt).scalars()
    return [c for c in rows if can_see_conversation(session=session, staff=staff, conv=c)]


def recent_conversations(*, session: Session, staff: Staff, limit: int = 30) -> list[Conversation]:
    stmt = (select(Conversation).where(Conversation.handoff.is_(None))
            .order_by(Conversation.updated_at.desc()).limit(limit))
    return [c for c in session.execute(stmt).scalars() if can_see_conversation(session=session, staff=staff, conv=c)]


def last_message(*, session: Session, conv: Conversation) -> ChatMessage | None:
    stmt = select(ChatMessage).where(ChatMessage.conversation_id == conv.id).order_by(ChatMessage.id.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def messages(*, session: Session, conversation_id: int, after_id: int = 0, limit: int = 200) -> list[ChatMessage]:
    stmt = (select(ChatMessage).where(ChatMessage.conversation_id == conversation_id, ChatMessage.id > after_id)
            .order_by(ChatMessage.id.desc()).limit(limit))
    return list(reversed(list(session.execute(stmt).scalars())))


def web_conversation(*, session: Session, user_id: str) -> Conversation | None:
    return session.execute(select(Conversation).where(Conversation.channel == "web",
                                                      Conversation.user_id == user_id)).scalar_one_or_none()


def window_open(conv: Conversation, now: datetime) -> bool:
    """WeChat lets us send customer-service messages for 48 hours after the resident's last message."""
    if conv.channel == "web":
        return True
    return conv.last_inbound_at is not None and now - conv.last_inbound_at < REPLY_WINDOW


def claim(*, session: Session, conv: Conversation, staff: Staff) -> None:
    conv.handoff = "claimed"
    conv.assignee_id = staff.id
    conv.updated_at = utcnow()
    session.add(conv)
    session.flush()


def close_handoff(*, session: Session, conv: Conversation) -> None:
    conv.handoff = None
    conv.handoff_reason = None
    conv.assignee_id = None
    conv.state = None
    conv.updated_at = utcnow()
    session.add(conv)
    session.flush()


def staff_reply(*, session: Session, conv: Conversation, staff: Staff, text: str) -> ChatMessage:
    """Log the reply in the chat; WeChat/WeCom residents get it through the outbox, web chat polls for it."""
    msg = ChatMessage(conversation_id=conv.id, direction="out", author=f"staff:{staff.username}", text=text,
                      meta={"staff": staff.display_name})
    session.add(msg)
    session.flush()
    if conv.channel != "web":
        row = enqueue(session=session, key=f"staff-reply:{msg.id}", kind="customer_service", channel=conv.channel,
                      recipient=conv.user_id, payload={"msgtype": "text", "text": text})
        msg.meta = {**msg.meta, "outbox_id": row.id}
        session.add(msg)
    if conv.handoff == "waiting":
        claim(session=session, conv=conv, staff=staff)
    conv.updated_at = utcnow()
    session.add(conv)
    session.flush()
    return msg


# ---- canned replies -------------------------------------------------------------------------------------

def list_canned(*, session: Session) -> list[CannedReply]:
    return list(session.execute(select(CannedReply).order_by(CannedReply.id)).scalars())


def save_canned(*, session: Session, reply_id: int | None, title: str, text: str) -> CannedReply:
    row = session.get(CannedReply, reply_id) if reply_id else None
    row = row or CannedReply(title=title, text=text)
    row.title, row.text = title, text
    session.add(row)
    session.flush()
    return row


def delete_canned(*, session: Session, reply_id: int) -> None:
    row = session.get(CannedReply, reply_id)
    if row is not None:
        session.delete(row)
        session.flush()


# ---- organisation ---------------------------------------------------------------------------------------

def grids_with_counts(*, session: Session, grid_ids: set[int] | None) -> list[dict[str, Any]]:
    """Each visible grid with its community, building count, residents needing care and staff."""
    stmt = select(Grid, Community.name).join(Community, Community.id == Grid.community_id).order_by(Grid.code)
    if grid_ids is not None:
        stmt = stmt.where(Grid.id.in_(grid_ids or {-1}))
    buildings = dict(session.execute(select(Building.grid_id, func.count()).group_by(Building.grid_id)).all())
    care = dict(session.execute(select(Resident.grid_id, func.count()).group_by(Resident.grid_id)).all())
    return [{"grid": g, "community": c, "buildings": buildings.get(g.id, 0), "care": care.get(g.id, 0)}
            for g, c in session.execute(stmt).all()]


def list_grids(*, session: Session) -> list[Grid]:
    return list(session.execute(select(Grid).order_by(Grid.code)).scalars())


def get_grid(*, session: Session, grid_id: int) -> Grid | None:
    return session.get(Grid, grid_id)


def update_grid(*, session: Session, grid: Grid, **fields: Any) -> Grid:
    for name, value in fields.items():
        setattr(grid, name, value)
    session.add(grid)
    session.flush()
    return grid


def buildings_of(*, session: Session, grid_id: int) -> list[Building]:
    return list(session.execute(select(Building).where(Building.grid_id == grid_id).order_by(Building.id)).scalars())


def add_building(*, session: Session, grid_id: int, name: str, households: int) -> Building:
    row = Building(grid_id=grid_id, name=name, households=households, aliases=[])
    session.add(row)
    session.flush()
    return row


def mask_key(key: str | None) -> str:
    """A robot key shown as ••••abcd: enough to recognise it, not enough to use it."""
    if not key:
        return "未设置"
    return "••••" + key[-4:]


# ---- outbox ---------------------------------------------------------------------------------------------

def outbox_for(*, session: Session, recipient: str, limit: int = 20) -> list[Outbox]:
    stmt = select(Outbox).where(Outbox.recipient == recipient).order_by(Outbox.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


# ---- background jobs ------------------------------------------------------------------------------------

def create_job(*, session: Session, kind: str, staff: Staff | None, total: int = 0) -> AdminJob:
    job = AdminJob(kind=kind, staff_id=staff.id if staff else None, total=total)
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, job_id: int) -> AdminJob | None:
    return session.get(AdminJob, job_id)


def search_staff(*, session: Session, text: str) -> list[Staff]:
    like = f"%{text}%"
    stmt = select(Staff).where(or_(Staff.username.like(like), Staff.display_name.like(like)))
    return list(session.execute(stmt).scalars())
