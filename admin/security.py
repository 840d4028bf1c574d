"""Passwords (argon2), signed session cookies, CSRF tokens and the login lockout rule."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, TimestampSigner

COOKIE = "linli_admin"
LOGIN_CSRF_COOKIE = "linli_login_csrf"
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Per address as well: the account lockout alone lets one address try a password on every account in turn.
# Generous, because a street office's staff share one NAT address; counted from the audit log.
IP_MAX_FAILURES = 30
IP_WINDOW = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; False for a wrong password or a missing or broken hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (None never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class CookieSigner:
    """Signs the session id with the app secret; the signature carries its age so old cookies die."""

    def __init__(self, secret_key: str, max_age: int) -> None:
        self._signer = TimestampSigner(secret_key, salt="linli-admin-session")
        self.max_age = max_age

    def sign(self, value: str) -> str:
        return self._signer.sign(value).decode()

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie, max_age=self.max_age).decode()
        except BadSignature:
            return None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failure(failed_logins: int, now: datetime) -> tuple[int, datetime | None]:
    """The new (failed_logins, locked_until) after one more wrong password."""
    failures = failed_logins + 1
    if failures >= MAX_FAILURES:
        return 0, now + LOCKOUT
    return failures, None
