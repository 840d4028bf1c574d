"""Benchmark: 10,000 survey pushes through the outbox sender to the API stand-in (a separate process).

    python bench/bench_outbox.py [--n 10000] [--db sqlite|postgresql://...] [--threads 8] [--batch 200]

Prints the fan-out time, the send time and the throughput; counts what the stand-in received.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def wait_http(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--fail-5xx", type=float, default=0.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import insert, text
    from sqlmodel import Session

    from bot.config import Settings
    from bot.db import engine_for, upgrade
    from bot.models import utcnow
    from bot.scheduling import jobs
    from bot.scheduling.sender import Sender
    from bot.scheduling.standin import free_port
    from bot.tickets.models import Ticket

    if args.db == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:  # a private schema, dropped afterwards: never touch what others keep in that database
        schema = f"bench_{os.getpid()}"
        with engine_for(args.db).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{args.db}{'&' if '?' in args.db else '?'}options=-csearch_path%3D{schema}"
    upgrade(url)
    port = free_port()
    standin = subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler", "standin", "--port", str(port),
                                "--fail-5xx", str(args.fail_5xx)], cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/standin/records?limit=0")
        settings = Settings(env="test", database_url=url, wechat_api_base=base, wechat_delivery_query=True,
                            quiet_hours="", outbox_retry_base_seconds=0.05, _env_file=None)
        engine = engine_for(url)
        now = utcnow()
        with Session(engine) as session:
            session.execute(insert(Ticket.__table__), [dict(
                number=f"B{i:06d}", kind="complaint", text="基准测试", channel="wechat", resident=f"oBench{i:05d}",
                attachments=[], status="resolved", resolved_at=now, created_at=now - timedelta(days=1), updated_at=now)
                for i in range(args.n)])
            session.commit()
            t0 = time.monotonic()
            assert jobs.survey_fanout(session=session, now=now) == args.n
            session.commit()
        fanout = time.monotonic() - t0
        sender = Sender(engine=engine, settings=settings, threads=args.threads, batch=args.batch)
        t1 = time.monotonic()
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        while sender.run_once() > 0 or _left(engine):
            pass
        send = time.monotonic() - t1
        if args.profile:
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(20)
        sender.close()
        got = json.load(urllib.request.urlopen(f"{base}/standin/records?limit=0"))
        result = {"n": args.n, "db": url.split(":")[0], "threads": args.threads, "batch": args.batch,
                  "fanout_s": round(fanout, 2), "send_s": round(send, 2), "per_s": round(args.n / send),
                  "received": got["total"], "stats": dict(sender.stats), "cpus": os.cpu_count()}
        print(json.dumps(result, ensure_ascii=False))
    finally:
        standin.terminate()
        standin.wait()
        if args.db != "sqlite":
            engine_for(url).dispose()
            with engine_for(args.db).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _left(engine) -> bool:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from bot.models import Outbox

    with Session(engine) as session:
        n = session.execute(select(func.count()).where(Outbox.status.in_(("pending", "failed", "sending")))).scalar_one()
        session.commit()
    if n:
        time.sleep(0.05)
    return n > 0


if __name__ == "__main__":
    main()
