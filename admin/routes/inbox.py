"""The escalated chats inbox: waiting and claimed conversations, history with evidence, replies, canned replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from admin import crud
from admin.deps import CHAT_ROLES, PROTECTED, Forbidden, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render
from bot.models import Conversation, utcnow

router = APIRouter(dependencies=[*PROTECTED, CHAT_ROLES])


def _conversation(session, staff, conv_id: int) -> Conversation:
    conv = session.get(Conversation, conv_id)
    if conv is None:
        raise NotFoundPage("这个对话不存在。")
    if not crud.can_see_conversation(session=session, staff=staff, conv=conv):
        raise Forbidden("这个居民不在您负责的网格内。")
    return conv


def _rows(session, staff) -> list[dict]:
    return [{"conv": c, "last": crud.last_message(session=session, conv=c),
             "assignee": crud.get_staff(session=session, staff_id=c.assignee_id) if c.assignee_id else None,
             "window": crud.window_open(c, utcnow())}
            for c in crud.handoff_conversations(session=session, staff=staff)]


@router.get("/inbox")
def inbox(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Chats waiting for a person; the list refreshes itself every few seconds."""
    recent = [{"conv": c, "last": crud.last_message(session=session, conv=c)}
              for c in crud.recent_conversations(session=session, staff=staff, limit=15)]
    return render(request, "inbox.html", {"rows": _rows(session, staff), "recent": recent})


@router.get("/inbox/list")
def inbox_list(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """The polled part of the inbox."""
    return render(request, "_inbox_list.html", {"rows": _rows(session, staff)})


@router.get("/inbox/count")
def inbox_count(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """The badge in the navigation: how many chats are waiting."""
    waiting = sum(1 for c in crud.handoff_conversations(session=session, staff=staff) if c.handoff == "waiting")
    return render(request, "_badge.html", {"count": waiting})


@router.get("/inbox/{conv_id}")
def conversation(request: Request, session: SessionDep, staff: StaffDep, conv_id: int, error: str = "") -> Response:
    """One conversation: the history with the classifier's evidence, the reply box and canned replies."""
    conv = _conversation(session, staff, conv_id)
    msgs = crud.messages(session=session, conversation_id=conv.id)
    assignee = crud.get_staff(session=session, staff_id=conv.assignee_id) if conv.assignee_id else None
    return render(request, "conversation.html", {
        "conv": conv, "messages": msgs, "last_id": msgs[-1].id if msgs else 0, "assignee": assignee,
        "window": crud.window_open(conv, utcnow()), "canned": crud.list_canned(session=session),
        "outbox": crud.outbox_for(session=session, recipient=conv.user_id, limit=5), "error": error})


@router.get("/inbox/{conv_id}/messages")
def new_messages(request: Request, session: SessionDep, staff: StaffDep, conv_id: int, after: int = 0) -> Response:
    """Messages after `after`, followed by the next poller (appended without reloading the page)."""
    conv = _conversation(session, staff, conv_id)
    msgs = crud.messages(session=session, conversation_id=conv.id, after_id=after)
    return render(request, "_messages.html", {"conv": conv, "messages": msgs,
                                               "last_id": msgs[-1].id if msgs else after, "poll": True})


@router.post("/inbox/{conv_id}/claim")
def claim(request: Request, session: SessionDep, staff: StaffDep, conv_id: int) -> Response:
    """Take the chat: others see who is answering."""
    conv = _conversation(session, staff, conv_id)
    crud.claim(session=session, conv=conv, staff=staff)
    crud.audit(session=session, staff=staff, action="chat.claim", target=f"conversation:{conv.id}",
               ip=client_ip(request))
    return RedirectResponse(f"/admin/inbox/{conv.id}", status_code=303)


@router.post("/inbox/{conv_id}/reply")
def reply(request: Request, session: SessionDep, staff: StaffDep, conv_id: int,
          text: Annotated[str, Form(max_length=2000)]) -> Response:
    """Send a reply: by the outbox (WeChat customer-service message) or straight into the web chat."""
    conv = _conversation(session, staff, conv_id)
    text = text.strip()
    if not text:
        return RedirectResponse(f"/admin/inbox/{conv.id}?error=empty", status_code=303)
    if not crud.window_open(conv, utcnow()):
        crud.audit(session=session, staff=staff, action="chat.reply_refused", target=f"conversation:{conv.id}",
                   detail={"reason": "48h window closed"}, ip=client_ip(request))
        return RedirectResponse(f"/admin/inbox/{conv.id}?error=window", status_code=303)
    msg = crud.staff_reply(session=session, conv=conv, staff=staff, text=text)
    crud.audit(session=session, staff=staff, action="chat.reply", target=f"conversation:{conv.id}",
               detail={"chat_message_id": msg.id, "text": text[:200]}, ip=client_ip(request))
    return RedirectResponse(f"/admin/inbox/{conv.id}", status_code=303)


@router.post("/inbox/{conv_id}/close")
def close(request: Request, session: SessionDep, staff: StaffDep, conv_id: int) -> Response:
    """Hand the conversation back to the bot."""
    conv = _conversation(session, staff, conv_id)
    crud.close_handoff(session=session, conv=conv)
    crud.audit(session=session, staff=staff, action="chat.close", target=f"conversation:{conv.id}",
               ip=client_ip(request))
    return RedirectResponse("/admin/inbox", status_code=303)


@router.get("/canned")
def canned(request: Request, session: SessionDep) -> Response:
    """Canned replies (快捷回复): list and edit."""
    return render(request, "canned.html", {"rows": crud.list_canned(session=session)})


@router.post("/canned")
def save_canned(request: Request, session: SessionDep, staff: StaffDep, title: Annotated[str, Form(max_length=64)],
                text: Annotated[str, Form(max_length=2000)], reply_id: Annotated[int | None, Form()] = None) -> Response:
    """Create or change a canned reply."""
    row = crud.save_canned(session=session, reply_id=reply_id, title=title.strip(), text=text.strip())
    crud.audit(session=session, staff=staff, action="canned.save", target=f"canned:{row.id}", ip=client_ip(request))
    return RedirectResponse("/admin/canned", status_code=303)


@router.post("/canned/{reply_id}/delete")
def delete_canned(request: Request, session: SessionDep, staff: StaffDep, reply_id: int) -> Response:
    """Remove a canned reply."""
    crud.delete_canned(session=session, reply_id=reply_id)
    crud.audit(session=session, staff=staff, action="canned.delete", target=f"canned:{reply_id}", ip=client_ip(request))
    return RedirectResponse("/admin/canned", status_code=303)
