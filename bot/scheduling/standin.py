"""A local stand-in for the WeChat and WeCom APIs (tests and the demo): real paths, real error codes, faults.

It answers /cgi-bin/token, /cgi-bin/message/custom/send, /cgi-bin/message/template/send,
/cgi-bin/message/subscribe/bizsend and the WeCom robot /cgi-bin/webhook/send?key=…, records everything it
accepted, and can inject faults: a share of 5xx answers, token expiry, 45015 for chosen openids, a 45009 quota.
It also answers one question the real API cannot: /standin/delivered?client_msg_id=… (see docs/scheduler.md).
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CLIENT_ID_HEADER = "X-Linli-Msg-Id"


@dataclass
class Faults:
    error_5xx_rate: float = 0.0  # share of message calls answered 503 before anything is recorded
    token_ttl: int = 7200  # expires_in of a new token
    expire_tokens_every: float | None = None  # seconds; every so often all tokens become invalid (42001)
    openids_45015: set[str] = field(default_factory=set)  # outside the 48-hour customer-service window
    quota: int | None = None  # accepted messages before 45009
    robot_rate_per_minute: int = 20
    bad_robot_keys: set[str] = field(default_factory=set)  # 93000 invalid webhook url
    appsecret: str | None = None  # when set, /cgi-bin/token checks it (40125)


class StandInState:
    """What the stand-in has seen; thread-safe."""

    def __init__(self, faults: Faults | None = None, seed: int | None = None) -> None:
        self.faults = faults or Faults()
        self.lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        self.by_client_id: dict[str, int] = defaultdict(int)
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.errors: dict[str, int] = defaultdict(int)
        self.accepted = 0
        self._rotated = time.monotonic()
        self._robot_times: dict[str, deque[float]] = defaultdict(deque)
        self._random = random.Random(seed)

    # -- helpers used by the routes ----------------------------------------------------------------------
    def issue_token(self) -> tuple[str, int]:
        with self.lock:
            token = f"tok-{uuid.uuid4().hex}"
            self.tokens[token] = time.monotonic() + self.faults.token_ttl
            self.tokens_issued += 1
            return token, self.faults.token_ttl

    def check_token(self, token: str | None) -> int:
        with self.lock:
            every = self.faults.expire_tokens_every
            if every and time.monotonic() - self._rotated > every:
                self._rotated = time.monotonic()
                self.tokens = {t: 0.0 for t in self.tokens}  # all expire now
            if not token or token not in self.tokens:
                return 40001
            if self.tokens[token] < time.monotonic():
                return 42001
            return 0

    def error(self, name: str) -> None:
        with self.lock:
            self.errors[name] += 1

    def roll_5xx(self) -> bool:
        with self.lock:
            return self._random.random() < self.faults.error_5xx_rate

    def accept(self, record: dict[str, Any], counted: bool = True) -> int | None:
        """Record a delivered message; None when the (WeChat) daily quota is used up (45009)."""
        with self.lock:
            if counted and self.faults.quota is not None and self.accepted >= self.faults.quota:
                return None
            self.accepted += counted
            record["seq"] = len(self.records) + 1
            record["at"] = time.time()
            self.records.append(record)
            if record.get("client_msg_id"):
                self.by_client_id[record["client_msg_id"]] += 1
            return record["seq"]

    def robot_allowed(self, key: str) -> bool:
        with self.lock:
            times, now = self._robot_times[key], time.monotonic()
            while times and now - times[0] > 60:
                times.popleft()
            if len(times) >= self.faults.robot_rate_per_minute:
                return False
            times.append(now)
            return True

    def reset(self) -> None:
        with self.lock:
            self.records.clear()
            self.by_client_id.clear()
            self.errors.clear()
            self.accepted = 0
            self._robot_times.clear()

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {k: n for k, n in self.by_client_id.items() if n > 1}


def _err(code: int, msg: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": msg})


def create_app(state: StandInState | None = None) -> FastAPI:
    """The stand-in app; `app.state.standin` is its StandInState."""
    state = state or StandInState()
    app = FastAPI(title="WeChat/WeCom API stand-in", docs_url=None, redoc_url=None)
    app.state.standin = state

    @app.get("/cgi-bin/token")
    def token(grant_type: str = "", appid: str = "", secret: str = "") -> JSONResponse:
        if grant_type != "client_credential" or not appid:
            return _err(40002, "invalid grant_type")
        if state.faults.appsecret is not None and secret != state.faults.appsecret:
            return _err(40125, "invalid appsecret")
        value, ttl = state.issue_token()
        return JSONResponse({"access_token": value, "expires_in": ttl})

    async def _message(request: Request, kind: str, to_field: str) -> JSONResponse:
        code = state.check_token(request.query_params.get("access_token"))
        if code:
            state.error(str(code))
            return _err(code, "access_token expired" if code == 42001 else "invalid credential")
        if state.roll_5xx():
            state.error("503")
            return JSONResponse({"errmsg": "injected 503"}, status_code=503)
        body = await request.json()
        to = body.get(to_field)
        if kind == "customer_service" and to in state.faults.openids_45015:
            state.error("45015")
            return _err(45015, "response out of time limit or subscription is canceled")
        client_id = request.headers.get(CLIENT_ID_HEADER) or body.get("client_msg_id")
        seq = state.accept({"kind": kind, "to": to, "body": body, "client_msg_id": client_id})
        if seq is None:
            state.error("45009")
            return _err(45009, "reach max api daily quota limit")
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": 1_000_000 + seq})

    @app.post("/cgi-bin/message/custom/send")
    async def custom_send(request: Request) -> JSONResponse:
        return await _message(request, "customer_service", "touser")

    @app.post("/cgi-bin/message/template/send")
    async def template_send(request: Request) -> JSONResponse:
        return await _message(request, "template", "touser")

    @app.post("/cgi-bin/message/subscribe/bizsend")
    async def subscribe_send(request: Request) -> JSONResponse:
        return await _message(request, "subscribe", "touser")

    @app.post("/cgi-bin/webhook/send")
    async def webhook_send(request: Request, key: str = "") -> JSONResponse:
        if not key or key in state.faults.bad_robot_keys:
            state.error("93000")
            return _err(93000, "invalid webhook url")
        if state.roll_5xx():
            state.error("503")
            return JSONResponse({"errmsg": "injected 503"}, status_code=503)
        if not state.robot_allowed(key):
            state.error("45009")
            return _err(45009, "api freq out of limit")
        body = await request.json()
        if body.get("msgtype") not in ("text", "markdown"):
            return _err(40008, "invalid message type")
        state.accept({"kind": "robot", "to": key, "body": body, "client_msg_id": request.headers.get(CLIENT_ID_HEADER)},
                     counted=False)
        return _err(0, "ok")

    @app.get("/standin/delivered")
    def delivered(client_msg_id: str) -> dict[str, Any]:
        return {"client_msg_id": client_msg_id, "count": state.by_client_id.get(client_msg_id, 0)}

    @app.get("/standin/records")
    def records(limit: int = 100) -> dict[str, Any]:
        with state.lock:
            return {"total": len(state.records), "records": state.records[-limit:], "errors": dict(state.errors)}

    @app.post("/standin/expire-tokens")
    def expire_tokens() -> dict[str, Any]:
        with state.lock:
            state.tokens = {t: 0.0 for t in state.tokens}
        return {"ok": True}

    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class StandIn:
    """The stand-in served by uvicorn in a background thread (tests): `.url`, `.state`, `.stop()`."""

    def __init__(self, state: StandInState | None = None, host: str = "127.0.0.1", port: int | None = None) -> None:
        import uvicorn

        self.state = state or StandInState()
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(create_app(self.state), host=host, port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="standin", daemon=True)

    def start(self) -> "StandIn":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    @property
    def faults(self) -> Faults:
        return self.state.faults
