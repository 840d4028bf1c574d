"""The resident web chat at /chat: talks to /api/messages and polls for staff replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from admin import crud
from admin.views import render

router = APIRouter()
UserId = Annotated[str, Query(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/chat")
def chat_page(request: Request) -> Response:
    """The web chat: play a resident against the real dialogue."""
    return render(request, "chat.html", {})


@router.get("/chat/messages")
def chat_messages(request: Request, user: UserId, after: int = 0) -> JSONResponse:
    """Staff replies (and anything else said) after message id `after` in this browser's web conversation."""
    with Session(request.app.state.admin.engine) as session:
        conv = crud.web_conversation(session=session, user_id=user)
        if conv is None:
            return JSONResponse({"messages": [], "handoff": None})
        rows = crud.messages(session=session, conversation_id=conv.id, after_id=after)
        return JSONResponse({"handoff": conv.handoff, "messages": [
            {"id": m.id, "direction": m.direction, "author": "staff" if m.author.startswith("staff:") else m.author,
             "name": (m.meta or {}).get("staff") if m.author.startswith("staff:") else None, "text": m.text}
            for m in rows]})
