"""`linli chat`: play resident against a running Linli, the way the WeChat platform calls it (signed, encrypted XML)."""

from __future__ import annotations

import secrets
import sys
import time

import click

from bot.channels.wechat import Cipher, cdata, parse_xml, sha1_signature
from bot.config import get_settings

HELP = """输入文字即发送给社区服务号。特殊命令：
  /image                 发送一张图片        /location 纬度 经度 [地址]   发送位置
  /voice 文字            发送语音（带识别结果） /subscribe [场景]           关注事件
  /click KEY             点击菜单           /quit                       退出"""


class FakePlatform:
    """Builds callbacks exactly as the WeChat servers do and opens the passive replies."""

    def __init__(self, url: str, user: str, *, safe: bool, wecom: bool) -> None:
        s = get_settings()
        self.url = url.rstrip("/") + ("/wecom" if wecom else "/wechat")
        self.user = user
        self.safe = safe or wecom
        self.wecom = wecom
        self.token = s.wecom_token if wecom else s.wechat_token
        receive_id = s.wecom_corp_id if wecom else s.wechat_appid
        self.cipher = Cipher(self.token, s.wecom_aes_key if wecom else s.wechat_aes_key, receive_id)

    def xml(self, msg_type: str, **fields: str) -> str:
        parts = [f"<ToUserName>{cdata('gh_linli_demo')}</ToUserName>", f"<FromUserName>{cdata(self.user)}</FromUserName>",
                 f"<CreateTime>{int(time.time())}</CreateTime>", f"<MsgType>{cdata(msg_type)}</MsgType>"]
        parts += [f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items()]
        if msg_type != "event":
            parts.append(f"<MsgId>{secrets.randbelow(10**18)}</MsgId>")
        return "<xml>" + "".join(parts) + "</xml>"

    def send(self, client, xml: str) -> str:
        ts, nonce = str(int(time.time())), secrets.token_hex(5)
        params = {"timestamp": ts, "nonce": nonce}
        if not self.wecom:
            params.update(signature=sha1_signature(self.token, ts, nonce), openid=self.user)
        body = xml
        if self.safe:
            encrypted = self.cipher.encrypt(xml)
            body = f"<xml><ToUserName>{cdata('gh_linli_demo')}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
            params["msg_signature"] = sha1_signature(self.token, ts, nonce, encrypted)
            if not self.wecom:
                params["encrypt_type"] = "aes"
        r = client.post(self.url, params=params, content=body.encode())
        if r.status_code != 200:
            return f"[HTTP {r.status_code}] {r.text}"
        if r.text == "success":
            return "（服务号没有回复）"
        fields = parse_xml(r.content)
        if self.safe:
            if sha1_signature(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]) != fields["MsgSignature"]:
                return "[回复签名不正确]"
            fields = parse_xml(self.cipher.decrypt(fields["Encrypt"]).encode())
        return fields.get("Content") or f"[{fields.get('MsgType')}]"

    def message_for(self, line: str) -> str | None:
        if not line.startswith("/"):
            return self.xml("text", Content=line)
        cmd, _, arg = line[1:].partition(" ")
        if cmd == "image":
            return self.xml("image", PicUrl="http://mmbiz.example/demo.jpg", MediaId=f"media_{secrets.token_hex(4)}")
        if cmd == "voice":
            return self.xml("voice", MediaId=f"media_{secrets.token_hex(4)}", Format="amr", Recognition=arg)
        if cmd == "location":
            lat, lng, *label = (arg.split() + ["39.9", "116.4"])[:2] + arg.split()[2:]
            return self.xml("location", Location_X=lat, Location_Y=lng, Scale="16", Label=" ".join(label))
        if cmd == "subscribe":
            return self.xml("event", Event="subscribe", EventKey=f"qrscene_{arg}" if arg else "")
        if cmd == "click":
            return self.xml("event", Event="CLICK", EventKey=arg)
        return None


@click.command()
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="Where Linli is running.")
@click.option("--user", default="oDemoChatUser001", show_default=True, help="The resident's openid.")
@click.option("--plain", is_flag=True, help="Plaintext mode instead of safe (AES) mode.")
@click.option("--wecom", is_flag=True, help="Talk to the WeCom callback instead of the Official Account.")
def chat(url: str, user: str, plain: bool, wecom: bool) -> None:
    """Play resident: each line you type is sent as a signed, encrypted WeChat message."""
    import httpx

    platform = FakePlatform(url, user, safe=not plain, wecom=wecom)
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(HELP)
    with httpx.Client(timeout=10) as client:
        while True:
            if interactive:
                click.echo("居民> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            xml = platform.message_for(line)
            if xml is None:
                click.echo(HELP)
                continue
            try:
                answer = platform.send(client, xml)
            except httpx.HTTPError as exc:
                raise click.ClickException(f"cannot reach Linli at {url}: {exc}") from None
            click.echo(("邻里> " if interactive else "") + answer)
