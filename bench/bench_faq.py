"""FAQ matcher speed: index build time and per-query latency (p50/p99) at 5,000 and 50,000 synthetic entries."""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge_base.evaluate import paraphrase, synthetic_faq  # noqa: E402
from knowledge_base.matcher import FaqDoc, FaqIndex, words  # noqa: E402


def with_alternatives(doc: FaqDoc, aspect: int, rng: random.Random) -> FaqDoc:
    alts = tuple(paraphrase(doc, aspect, rng) for _ in range(2))
    return FaqDoc(doc.code, doc.question, doc.answer, alternatives=alts, keywords=(doc.category or "",),
                  category=doc.category)


def bench(n: int, queries: int, seed: int = 1, freeze: bool = True) -> dict:
    rng = random.Random(seed)
    places = max(1, -(-n // 1900))
    faq = synthetic_faq(n, seed=seed, places=places)
    docs = [with_alternatives(d, a, rng) for d, a in faq]
    words.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    index = FaqIndex.build(docs)
    build_cpu = time.process_time() - c0
    build = time.perf_counter() - t0
    cold_cpu = build_cpu
    t0, c0 = time.perf_counter(), time.process_time()
    FaqIndex.build(docs)  # a rebuild after an edit: jieba and normalisation results are cached
    rebuild, rebuild_cpu = time.perf_counter() - t0, time.process_time() - c0
    picks = [faq[rng.randrange(len(faq))] for _ in range(queries)]
    texts = [paraphrase(d, a, rng) for d, a in picks]
    today = date.today()
    if freeze:  # what a server does once after start-up: long-lived objects leave the GC's generations
        gc.collect()
        gc.freeze()
    index.MATCH_CACHE = 0  # time the matching itself: the queries repeat, and the warm-up ones come again below
    for t in texts[:100]:
        index.match(t, today=today)  # warm up jieba and numpy
    times, cpu_times, cpu = [], [], time.process_time()
    for t in texts:
        s, c = time.perf_counter(), time.thread_time_ns()
        index.match(t, today=today)
        cpu_times.append((time.thread_time_ns() - c) / 1e6)  # excludes time spent waiting for a core
        times.append((time.perf_counter() - s) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(texts)
    cpu_times.sort()
    times.sort()
    gc.unfreeze()
    return {"entries": n, "gc_freeze": freeze, "build_s": round(build, 2), "build_cpu_s": round(cold_cpu, 2), "rebuild_s": round(rebuild, 2),
            "rebuild_cpu_s": round(rebuild_cpu, 2), "mean_cpu_ms": round(cpu_ms, 3), "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
            "cpu_p50_ms": round(cpu_times[len(cpu_times) // 2], 3), "cpu_p99_ms": round(cpu_times[int(len(cpu_times) * 0.99) - 1], 3),
            "max_ms": round(times[-1], 2), "queries": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--no-freeze", action="store_true", help="leave the index objects in the GC generations")
    args = parser.parse_args()
    import jieba

    t0 = time.perf_counter()
    jieba.initialize()  # once per process, before any index exists; not part of a rebuild
    print({"jieba_dictionary_load_s": round(time.perf_counter() - t0, 2)})
    print({"load_average": os.getloadavg()})
    for n in map(int, args.sizes.split(",")):
        print(bench(n, args.queries, freeze=not args.no_freeze))


if __name__ == "__main__":
    main()
