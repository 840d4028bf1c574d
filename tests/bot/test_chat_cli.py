"""`linli chat` speaks the real protocol to a running server: signed, encrypted XML over HTTP."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from click.testing import CliRunner

from bot.chat_cli import chat
from bot.cli import main
from bot.config import get_settings
from bot.gateway import create_app
from tests.wechat_platform import AES_KEY, APPID, TOKEN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chat_simulator_talks_to_a_live_server_in_safe_mode(gw_settings, monkeypatch):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(gw_settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        for name, value in {"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY, "WECHAT_APPID": APPID}.items():
            monkeypatch.setenv(f"LINLI_{name}", value)
        get_settings.cache_clear()
        # the last line holds a byte that is not UTF-8: it is sent with U+FFFD, not dropped with a traceback
        typed = "帮助\n/image\n/subscribe grid-G01\n".encode() + b"\xff" + "谢谢\n".encode()
        result = CliRunner().invoke(main, ["chat", "--url", f"http://127.0.0.1:{port}"], input=typed)  # as `linli chat`
        assert result.exit_code == 0, result.output
        lines = result.output
        assert "政策咨询" in lines and "收到您的图片" in lines and "欢迎关注" in lines
        assert lines.rstrip().endswith("不客气！还有其他问题随时告诉我。")  # the thanks of the line with the bad byte
        assert "HTTP" not in lines
    finally:
        get_settings.cache_clear()
        server.should_exit = True
        thread.join(5)


def test_chat_simulator_reports_an_unreachable_server():
    result = CliRunner().invoke(chat, ["--url", f"http://127.0.0.1:{_free_port()}"], input="你好\n")
    assert result.exit_code != 0 and "cannot reach Linli" in result.output
