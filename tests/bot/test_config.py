"""Settings: environment and .env, and production refuses placeholder secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings

REAL = {
    "wechat_token": "k3J9xq2LmN0pR7sT",
    "wechat_aes_key": "QmFzZTY0S2V5Rm9yVGVzdGluZ09ubHlOb3RSZWFsMDE",
    "wechat_appsecret": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "wecom_token": "Zx8Cv7Bn6Mm5Ll4K",
    "wecom_aes_key": "V2VDb21LZXlGb3JUZXN0aW5nT25seU5vdFJlYWwwMDE",
    "wecom_secret": "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5",
    "secret_key": "r4nd0m-s3ss10n-k3y-f0r-t3sts-0nly-xyz",
}


def test_production_refuses_the_demo_placeholders():
    with pytest.raises(ValidationError) as err:
        Settings(env="production", _env_file=None)
    assert "LINLI_WECHAT_TOKEN" in str(err.value) and "LINLI_SECRET_KEY" in str(err.value)


def test_production_starts_with_real_secrets():
    s = Settings(env="production", _env_file=None, **REAL)
    assert s.env == "production"


def test_production_refuses_a_malformed_aes_key():
    with pytest.raises(ValidationError, match="43-character"):
        Settings(env="production", _env_file=None, **{**REAL, "wechat_aes_key": "tooshort"})


def test_settings_come_from_environment_and_dotenv(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("LINLI_WECHAT_APPID=wxfromdotenv\nLINLI_DATABASE_URL=sqlite:///from-dotenv.db\n")
    monkeypatch.setenv("LINLI_DATABASE_URL", "sqlite:///from-env.db")
    s = Settings(_env_file=env_file)
    assert s.wechat_appid == "wxfromdotenv"
    assert s.database_url == "sqlite:///from-env.db"  # the environment wins over .env


def test_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINLI_DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == f"sqlite:///{tmp_path / 'linli.db'}"
