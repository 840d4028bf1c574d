"""Gateway benchmark: encrypted WeChat messages with unique MsgIds through the whole gateway, one worker on one core.

Usage: python bench/bench_gateway.py [--messages 6000] [--json]
The server runs pinned to CPU 0 (taskset), the load generator on CPU 1. The same run measures a bare
FastAPI endpoint as the baseline. Messages are a realistic mix (questions, complaints, greetings,
commands) from 400 residents, most of them worded a little differently (place, days, greeting), pre-encrypted
before timing so the client stays cheap.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import build_request, run  # noqa: E402

from bot.channels.wechat import Cipher, cdata, sha1_signature  # noqa: E402

TOKEN, APPID = "bench-token", "wxbench000000001"
AES_KEY = "YmVuY2gtYWVzLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDE"
TEXTS = [
    "居住证怎么办理", "低保申请需要什么材料", "你好", "谢谢", "楼道灯坏了一周没人修", "建议小区多装几个充电桩",
    "高龄津贴怎么领", "楼上漏水到我家了", "查询", "垃圾分类投放时间是几点", "小区门口乱停车没人管",
    "新生儿医保怎么办", "帮助", "隔壁装修太吵了", "电动车可以在楼道充电吗", "老年卡在哪里办",
]
# Residents rarely send the same words twice: most messages get a place, a time or a greeting of their own, so
# the classifier's short-message cache and the FAQ see mostly new text, as they would in service.
OPENERS = ["", "", "你好，", "您好，", "请问", "麻烦问一下，", "社区你好，"]
CLOSERS = ["", "", "？", "。", "，谢谢", "，麻烦尽快", "！"]
PLACES = ["{b}号楼", "{b}号楼{u}单元", "{b}栋", "我们{b}号楼"]
COMPLAINTS = ["{p}楼道灯坏了{d}天没人修", "{p}楼上漏水到我家了", "{p}门口乱停车没人管", "{p}隔壁装修太吵了",
              "{p}电梯又坏了", "{p}垃圾{d}天没人清了", "{p}下水道堵了"]


def message_text(i: int) -> str:
    """Message i of the mix: the 16 lines above in turn, four in five varied (place, days, opener, closer)."""
    base = TEXTS[i % len(TEXTS)]
    if i % 5 == 0 or base in ("查询", "帮助", "你好", "谢谢"):
        return base
    h = (i * 2654435761) % 2**32  # a fixed scramble of i: the same run every time
    if base in ("楼道灯坏了一周没人修", "楼上漏水到我家了", "小区门口乱停车没人管", "隔壁装修太吵了"):
        place = PLACES[h % len(PLACES)].format(b=1 + h % 12, u=1 + (h >> 4) % 4)
        base = COMPLAINTS[(h >> 8) % len(COMPLAINTS)].format(p=place, d=2 + (h >> 12) % 12)
    elif (h >> 24) % 3 == 0:
        base = f"我是{1 + (h >> 26) % 30}号楼的，{base}"
    return OPENERS[(h >> 16) % len(OPENERS)] + base + CLOSERS[(h >> 20) % len(CLOSERS)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("server did not start")


def start_server(cmd: list[str], env: dict, port: int) -> tuple[subprocess.Popen, float]:
    taskset = ["taskset", "-c", "0"] if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1 else []
    t0 = time.perf_counter()
    proc = subprocess.Popen(taskset + cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_ready(port)
    return proc, time.perf_counter() - t0


def encrypted_requests(port: int, n: int, path: str = "/wechat") -> list[bytes]:
    cipher = Cipher(TOKEN, AES_KEY, APPID)
    out = []
    now = int(time.time())
    for i in range(n):
        user = f"oBenchResident{i % 400:04d}"
        xml = (f"<xml><ToUserName>{cdata('gh_bench')}</ToUserName><FromUserName>{cdata(user)}</FromUserName>"
               f"<CreateTime>{now}</CreateTime><MsgType>{cdata('text')}</MsgType>"
               f"<Content>{cdata(message_text(i))}</Content><MsgId>{10**15 + i}</MsgId></xml>")
        enc = cipher.encrypt(xml)
        nonce = secrets.token_hex(6)
        query = (f"timestamp={now}&nonce={nonce}&signature={sha1_signature(TOKEN, str(now), nonce)}"
                 f"&openid={user}&encrypt_type=aes&msg_signature={sha1_signature(TOKEN, str(now), nonce, enc)}")
        body = f"<xml><ToUserName>{cdata('gh_bench')}</ToUserName><Encrypt>{cdata(enc)}</Encrypt></xml>".encode()
        out.append(build_request("127.0.0.1", port, f"{path}?{query}", body))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to report CPU per message."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(pid: int, port: int, reqs: list[bytes], concurrency: int) -> dict:
    """One load phase; besides wall-clock rate and latency, the server's CPU per message, which stays fair when
    other work shares the machine (the wall-clock rate then drops, CPU per message hardly moves)."""
    before = cpu_seconds(pid)
    result = asyncio.run(run("127.0.0.1", port, reqs, concurrency))
    cpu = cpu_seconds(pid) - before
    result["cpu_ms_per_msg"] = round(cpu / len(reqs) * 1000, 3)
    result["msg_per_cpu_s"] = round(len(reqs) / cpu) if cpu else None
    return result


def measure(pid: int, port: int, n: int) -> dict:
    reqs = encrypted_requests(port, n + 3 * (n // 4) + 400)
    warm, r16, r64 = reqs[:400], reqs[400:400 + n], reqs[400 + n:]
    asyncio.run(run("127.0.0.1", port, warm, 16))
    return {"c16": timed(pid, port, r16, 16), "c64": timed(pid, port, r64, 64)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    db = tmp / "bench.db"
    env = {**os.environ, "LINLI_DATABASE_URL": f"sqlite:///{db}", "LINLI_WECHAT_TOKEN": TOKEN,
           "LINLI_WECHAT_AES_KEY": AES_KEY, "LINLI_WECHAT_APPID": APPID, "LINLI_RUN_SCHEDULER": "false",
           "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "bot.cli", "demo", "--no-serve"], env=env, check=True, capture_output=True)
    results = {}
    port = free_port()
    proc, cold = start_server([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env, port)
    try:
        results["linli"] = {"cold_start_s": round(cold, 2), **measure(proc.pid, port, args.messages)}
    finally:
        proc.terminate()
        proc.wait(10)
    port = free_port()
    bare_cmd = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(ROOT / "bench"),
                "--port", str(port), "--log-level", "warning"]
    proc, cold = start_server(bare_cmd, env, port)
    try:
        results["bare_fastapi"] = {"cold_start_s": round(cold, 2), **measure(proc.pid, port, args.messages)}
    finally:
        proc.terminate()
        proc.wait(10)
    shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'':14}{'cold start':>11}{'msg/s @16':>11}{'p50 ms':>8}{'p99 ms':>8}{'msg/CPU-s @16':>15}"
          f"{'msg/s @64':>11}{'p99 ms':>8}{'msg/CPU-s @64':>15}  statuses @64")
    for name, r in results.items():
        print(f"{name:14}{r['cold_start_s']:>10}s{r['c16']['rate']:>11}{r['c16']['p50_ms']:>8}{r['c16']['p99_ms']:>8}"
              f"{r['c16']['msg_per_cpu_s']:>15}{r['c64']['rate']:>11}{r['c64']['p99_ms']:>8}{r['c64']['msg_per_cpu_s']:>15}"
              f"  {r['c64']['statuses']}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
