"""A small keep-alive HTTP/1.1 load generator on raw asyncio streams (cheap enough to saturate one server core)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


def build_request(host: str, port: int, path: str, body: bytes, content_type: str = "text/xml") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n")
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value:
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run(host: str, port: int, requests: Sequence[bytes], concurrency: int) -> dict:
    """Send every request once over `concurrency` connections; returns rate, latency percentiles and statuses."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    index = 0

    async def worker() -> None:
        nonlocal index
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                if index >= len(requests):
                    return
                req = requests[index]
                index += 1
                t0 = time.perf_counter()
                writer.write(req)
                try:
                    status = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    statuses[-1] = statuses.get(-1, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(requests), "concurrency": concurrency, "seconds": round(elapsed, 3),
            "rate": round(len(latencies) / elapsed, 1), "p50_ms": round(pct(0.50), 2), "p99_ms": round(pct(0.99), 2),
            "statuses": statuses}
