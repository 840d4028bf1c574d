"""The HTTP gateway: WeChat (/wechat), WeCom (/wecom) and JSON (/api/messages) channels on one FastAPI app."""

from __future__ import annotations

import logging
from functools import partial
import time
import uuid
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from bot.channels.wechat import CallbackEndpoint, CallbackQuery, ProtocolError
from bot.config import Settings, get_settings
from bot.db import engine_for, upgrade
from bot.dialogue import Dialogue, default_dialogue
from bot.inbound import Inbound, Reply
from bot.processing import Processor, Replayed

log = logging.getLogger(__name__)
SUCCESS = PlainTextResponse("success")
BUSY = "系统繁忙，请稍后再试。"


class BodyTooLarge(Exception):
    pass


async def read_capped(request: Request, cap: int) -> bytes:
    """Read the body, refusing (413) anything over `cap` bytes before it is parsed or fully buffered."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ProtocolError(400, "bad Content-Length")
        if int(length) > cap:
            raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _query(request: Request) -> CallbackQuery:
    q = request.query_params
    return CallbackQuery(
        timestamp=q.get("timestamp", ""),
        nonce=q.get("nonce", ""),
        signature=q.get("signature"),
        msg_signature=q.get("msg_signature"),
        encrypt_type=q.get("encrypt_type"),
        echostr=q.get("echostr"),
    )


class WebMessage(BaseModel):
    user: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    id: Annotated[str | None, Field(default=None, max_length=64, description="client message id, for retries")]


def create_app(settings: Settings | None = None, *, migrate: bool = False, start_scheduler: bool = False,
               dialogue: Dialogue | None = None) -> FastAPI:
    """Build the app for `settings`; `migrate` applies migrations at start (single-process use)."""
    settings = settings or get_settings()
    engine = engine_for(settings.database_url)
    processor = Processor(engine=engine, dialogue=dialogue or default_dialogue())
    endpoints = {
        "wechat": CallbackEndpoint(channel="wechat", token=settings.wechat_token, aes_key=settings.wechat_aes_key,
                                   receive_id=settings.wechat_appid, tolerance=settings.timestamp_tolerance_seconds),
        "wecom": CallbackEndpoint(channel="wecom", token=settings.wecom_token, aes_key=settings.wecom_aes_key,
                                  receive_id=settings.wecom_corp_id, tolerance=settings.timestamp_tolerance_seconds),
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if migrate:
            upgrade(settings.database_url)
        processor.start()
        scheduler = None
        if start_scheduler:
            from bot.scheduling import start_in_process

            scheduler = start_in_process(settings)
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            processor.stop()

    app = FastAPI(title="Linli 邻里", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.processor = processor

    @app.exception_handler(ProtocolError)
    async def _protocol_error(_request: Request, exc: ProtocolError) -> Response:
        return PlainTextResponse(exc.reason, status_code=exc.status)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_request: Request, _exc: BodyTooLarge) -> Response:
        return PlainTextResponse("request body too large", status_code=413)

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness probe."""
        return {"ok": True}

    async def verify(request: Request, channel: str) -> Response:
        return PlainTextResponse(endpoints[channel].verify_url(_query(request)))

    async def callback(request: Request, channel: str) -> Response:
        endpoint = endpoints[channel]
        body = await read_capped(request, settings.max_body_bytes)
        q = _query(request)
        inbound = endpoint.open(q, body)
        try:
            reply = await processor.process(inbound, q.replay_key, settings.reply_budget_seconds)
        except Replayed:
            raise ProtocolError(403, "replayed request") from None
        except Exception:
            log.exception("processing failed")
            reply = Reply(text=BUSY)
        if reply is None or reply.empty:
            return SUCCESS
        xml = endpoint.seal(reply, inbound, q)
        return Response(xml, media_type="application/xml") if xml else SUCCESS

    for channel, what in (("wechat", "Official Account"), ("wecom", "WeCom self-built app")):
        app.add_api_route(f"/{channel}", partial(verify, channel=channel), methods=["GET"],
                          summary=f"{what} URL verification")
        # the message callback is the hot path: a plain Starlette route, without FastAPI's parameter and
        # dependency resolution (it reads the raw body and query itself; errors still go to the handlers above)
        app.router.add_route(f"/{channel}", partial(callback, channel=channel), methods=["POST"],
                             name=f"{channel}_callback", include_in_schema=False)

    @app.post("/api/messages")
    async def web_message(message: WebMessage) -> JSONResponse:
        """JSON channel for the web chat and other integrations."""
        msg_id = f"{message.user}:{message.id or uuid.uuid4().hex}"
        inbound = Inbound(channel="web", user_id=message.user, msg_type="text", text=message.text,
                          create_time=int(time.time()), msg_id=msg_id, account="web")
        reply = await processor.process(inbound, None, settings.reply_budget_seconds)
        if reply is None:
            return JSONResponse({"reply": None, "deferred": True})
        return JSONResponse({"reply": reply.text, "meta": reply.meta, "deferred": False})

    _mount_optional(app, settings)
    return app


def _mount_optional(app: FastAPI, settings: Settings) -> None:
    """Mount the staff admin pages when that package is present."""
    try:
        from admin import mount
    except ImportError:
        return
    mount(app, settings)


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory` (used by `linli serve --workers N`)."""
    return create_app()
