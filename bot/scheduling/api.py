"""WeChat Official Account and WeCom robot API client over httpx, with the access token cached in the database.

The token is shared by every process (table api_token), refreshed 5 minutes before it expires by one
refresher at a time (lease "token:wechat"). On 40001/42001/40014 a call refreshes once and retries once,
then returns the failure: it never recurses.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.models import utcnow
from bot.scheduling import lease
from bot.scheduling.models import ApiToken
from bot.scheduling.standin import CLIENT_ID_HEADER

TOKEN_ERRORS = {40001, 42001, 40014}
REFRESH_EARLY = timedelta(minutes=5)
TOKEN_NAME = "wechat"
PATHS = {
    "customer_service": "/cgi-bin/message/custom/send",
    "template": "/cgi-bin/message/template/send",
    "subscribe": "/cgi-bin/message/subscribe/bizsend",
}


class TokenError(Exception):
    """The token endpoint refused or could not be reached."""


@dataclass(frozen=True)
class ApiResult:
    """One call's outcome. errcode None: no JSON answer. in_doubt: the request may have reached the provider."""

    ok: bool
    errcode: int | None = None
    errmsg: str = ""
    msgid: str | None = None
    http_status: int | None = None
    in_doubt: bool = False
    token_refreshed: bool = False

    def describe(self) -> str:
        if self.errcode is not None:
            return f"errcode {self.errcode}: {self.errmsg}"
        return f"http {self.http_status}: {self.errmsg}" if self.http_status else self.errmsg


class ApiClient:
    """Calls the message APIs; safe to share between threads."""

    def __init__(self, *, engine: Engine, settings: Settings, timeout: float = 10.0,
                 http: httpx.Client | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.http = http or httpx.Client(timeout=timeout, limits=httpx.Limits(max_connections=64,
                                                                              max_keepalive_connections=64))
        self.holder = lease.holder_id("token:")
        self._lock = threading.Lock()
        self._token: tuple[str, datetime] | None = None
        self.refreshes = 0

    def close(self) -> None:
        self.http.close()

    # ---- token ------------------------------------------------------------------------------------------
    def access_token(self) -> str:
        """A token valid for at least 5 more minutes: from memory, else the database, else refreshed."""
        cached = self._token
        if cached and cached[1] - REFRESH_EARLY > utcnow():
            return cached[0]
        with self._lock:
            cached = self._token
            if cached and cached[1] - REFRESH_EARLY > utcnow():
                return cached[0]
            self._token = self._shared_token(stale=None)
            return self._token[0]

    def refresh(self, *, stale: str) -> str:
        """The provider rejected `stale`: get a new one (unless another thread or process already did)."""
        with self._lock:
            if self._token and self._token[0] != stale and self._token[1] - REFRESH_EARLY > utcnow():
                return self._token[0]
            self._token = self._shared_token(stale=stale)
            return self._token[0]

    def _shared_token(self, *, stale: str | None) -> tuple[str, datetime]:
        deadline = time.monotonic() + 15
        while True:
            with Session(self.engine) as session:
                if (fresh := self._stored(session, stale)) is not None:
                    return fresh
                got = lease.acquire(session=session, name=f"token:{TOKEN_NAME}", holder=self.holder, ttl=15)
                session.commit()
            if got:
                # the holder before us may have stored a new token and let go between our read and our acquire
                with Session(self.engine) as session:
                    if (fresh := self._stored(session, stale)) is not None:
                        lease.release(session=session, name=f"token:{TOKEN_NAME}", holder=self.holder)
                        session.commit()
                        return fresh
                return self._fetch_and_store()
            if time.monotonic() > deadline:
                raise TokenError("another process is refreshing the token and did not finish in 15 s")
            time.sleep(0.05)

    @staticmethod
    def _stored(session: Session, stale: str | None) -> tuple[str, datetime] | None:
        """The token in the table, if it is not the rejected one and not about to expire."""
        row = session.get(ApiToken, TOKEN_NAME)
        if row and row.value and row.value != stale and row.expires_at - REFRESH_EARLY > utcnow():
            return row.value, row.expires_at
        return None

    def _fetch_and_store(self) -> tuple[str, datetime]:
        s = self.settings
        try:
            try:
                resp = self.http.get(f"{s.wechat_api_base}/cgi-bin/token", params={
                    "grant_type": "client_credential", "appid": s.wechat_appid, "secret": s.wechat_appsecret})
                data = resp.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise TokenError(f"token endpoint: {exc!r}") from exc
            if "access_token" not in data:
                raise TokenError(f"token endpoint: errcode {data.get('errcode')}: {data.get('errmsg')}")
            now = utcnow()
            expires = now + timedelta(seconds=int(data.get("expires_in", 7200)))
            with Session(self.engine) as session:
                row = session.get(ApiToken, TOKEN_NAME) or ApiToken(name=TOKEN_NAME)
                row.value, row.expires_at, row.refreshed_at = data["access_token"], expires, now
                session.add(row)
                lease.release(session=session, name=f"token:{TOKEN_NAME}", holder=self.holder)
                session.commit()
            self.refreshes += 1
            return data["access_token"], expires
        except BaseException:
            with Session(self.engine) as session:
                lease.release(session=session, name=f"token:{TOKEN_NAME}", holder=self.holder)
                session.commit()
            raise

    # ---- calls ------------------------------------------------------------------------------------------
    def send_wechat(self, kind: str, body: dict[str, Any], *, client_msg_id: str) -> ApiResult:
        """customer_service | template | subscribe; one refresh-and-retry on a token error, never more."""
        url = self.settings.wechat_api_base + PATHS[kind]
        try:
            token = self.access_token()
        except TokenError as exc:
            return ApiResult(ok=False, errmsg=str(exc))
        result = self._post(url, {"access_token": token}, body, client_msg_id)
        if result.errcode in TOKEN_ERRORS:
            try:
                token = self.refresh(stale=token)
            except TokenError as exc:
                return ApiResult(ok=False, errmsg=str(exc))
            result = self._post(url, {"access_token": token}, body, client_msg_id)
            result = dataclasses.replace(result, token_refreshed=True)
        return result

    def send_robot(self, key: str, body: dict[str, Any], *, client_msg_id: str) -> ApiResult:
        return self._post(self.settings.wecom_webhook_base, {"key": key}, body, client_msg_id)

    def _post(self, url: str, params: dict[str, str], body: dict[str, Any], client_msg_id: str) -> ApiResult:
        content = json.dumps(body, ensure_ascii=False).encode()  # WeChat shows \\uXXXX escapes literally
        headers = {"Content-Type": "application/json; charset=utf-8", CLIENT_ID_HEADER: client_msg_id}
        try:
            resp = self.http.post(url, params=params, content=content, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return ApiResult(ok=False, errmsg=f"not sent: {exc!r}")
        except httpx.TransportError as exc:  # read timeout, connection dropped: it may have arrived
            return ApiResult(ok=False, errmsg=f"no answer: {exc!r}", in_doubt=True)
        if resp.status_code >= 500:
            return ApiResult(ok=False, http_status=resp.status_code, errmsg=resp.text[:200])
        try:
            data = resp.json()
        except ValueError:
            return ApiResult(ok=False, http_status=resp.status_code, errmsg=resp.text[:200], in_doubt=True)
        code = int(data.get("errcode", 0) or 0)
        msgid = data.get("msgid")
        return ApiResult(ok=code == 0, errcode=code, errmsg=str(data.get("errmsg", "")),
                         msgid=str(msgid) if msgid is not None else None, http_status=resp.status_code)

    # ---- reconciliation -----------------------------------------------------------------------------------
    def delivered(self, kind: str, client_msg_id: str) -> bool | None:
        """Was this message delivered? Only the stand-in can say; for the real APIs the answer is None (unknown)."""
        if not self.settings.wechat_delivery_query:
            return None
        base = self.settings.wecom_webhook_base.split("/cgi-bin/")[0] if kind == "robot" else self.settings.wechat_api_base
        try:
            resp = self.http.get(f"{base}/standin/delivered", params={"client_msg_id": client_msg_id})
            return int(resp.json()["count"]) > 0
        except (httpx.HTTPError, ValueError, KeyError):
            return None
