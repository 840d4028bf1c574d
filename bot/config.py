"""Settings from the environment or `.env` (prefix LINLI_), built on demand so tests can swap them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "token", "demo", "test", "placeholder"}
DEMO_WECHAT_TOKEN = "linli-demo-token"
# 43 characters of base64 (the WeChat format); invented for the demo, never valid in production.
DEMO_AES_KEY = "bGlubGktZGVtby1hZXMta2V5LW5vdC1mb3ItcHJvZHU"
DEMO_APPID = "wx0000000000demo"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINLI_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'linli.db'}")
    public_url: str = "http://127.0.0.1:8000"

    wechat_token: str = DEMO_WECHAT_TOKEN
    wechat_aes_key: str = DEMO_AES_KEY
    wechat_appid: str = DEMO_APPID
    wechat_appsecret: str = "linli-demo-appsecret"
    wechat_api_base: str = "https://api.weixin.qq.com"

    wecom_corp_id: str = "ww0000000000demo"
    wecom_token: str = "linli-demo-wecom-token"
    wecom_aes_key: str = DEMO_AES_KEY
    wecom_agent_id: str = "1000002"
    wecom_secret: str = "linli-demo-wecom-secret"
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_webhook_base: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"

    secret_key: str = "linli-development-secret-key"
    session_max_age_seconds: int = 8 * 3600

    reply_budget_seconds: float = 3.0
    timestamp_tolerance_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    run_scheduler: bool = True

    # scheduler and outbox sender (issue-7, docs/scheduler.md)
    timezone: str = "Asia/Shanghai"
    quiet_hours: str = "22:00-07:00"  # non-urgent pushes to residents wait until the end
    robot_rate_per_minute: int = 20  # WeCom group robot limit; beyond it pending posts become one digest
    street_robot_key: str = ""  # the street office's own WeCom group robot (alerts: quota, 督办 level 3)
    wechat_notice_template_id: str = ""  # template used when a customer-service message hits 45015
    sender_batch: int = 200
    sender_threads: int = 8
    outbox_lease_seconds: int = 120
    outbox_retry_base_seconds: float = 10.0
    outbox_max_attempts: int = 8
    wechat_delivery_query: bool = False  # only the stand-in can answer "was client msg id X delivered?"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> "Settings":
        if self.env != "production":
            return self
        secrets = {
            "LINLI_WECHAT_TOKEN": self.wechat_token,
            "LINLI_WECHAT_AES_KEY": self.wechat_aes_key,
            "LINLI_WECHAT_APPSECRET": self.wechat_appsecret,
            "LINLI_WECOM_TOKEN": self.wecom_token,
            "LINLI_WECOM_AES_KEY": self.wecom_aes_key,
            "LINLI_WECOM_SECRET": self.wecom_secret,
            "LINLI_SECRET_KEY": self.secret_key,
        }
        bad = [
            name
            for name, value in secrets.items()
            if value.strip().lower() in PLACEHOLDERS or "demo" in value or "development" in value
            or value == DEMO_AES_KEY
        ]
        if bad:
            raise ValueError("production mode refuses placeholder secrets: " + ", ".join(bad))
        for name, key in (("LINLI_WECHAT_AES_KEY", self.wechat_aes_key), ("LINLI_WECOM_AES_KEY", self.wecom_aes_key)):
            if len(key) != 43:
                raise ValueError(f"{name} must be the 43-character EncodingAESKey")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
