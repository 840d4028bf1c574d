"""Benchmark intents.classify: jieba load time, messages per second on one core, resident memory (run as a script).

Short messages (≤ 40 characters) are cached per Classifier, so the repeated resident lines are also timed uncached,
and once more with the typo lookup's per-span cache emptied before each line (what a line of never-seen words costs).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# ../shared/data beside the checkout (the brief's layout), or one level further up
DEV_CSV = next((d / "shared" / "data" / "messages_dev.csv" for d in (ROOT.parent, ROOT.parent.parent)
                if (d / "shared" / "data" / "messages_dev.csv").exists()),
               ROOT.parent / "shared" / "data" / "messages_dev.csv")
RESIDENT = ["楼道灯坏了一周没人修", "居住证怎么办", "建议小区多装几个充电桩", "电梯里困人了快来", "楼下有煤气味",
            "隔壁天天半夜装修吵死了", "我家水管爆了", "有人在小区门口打架", "你好", "谢谢啦", "转人工", "我的工单",
            "你好，请问低保怎么申请？", "物业不作为，垃圾好几天都没人管", "楼下有煤汽味", "居住症怎么办理",
            "小区里乱停车把消防通道都堵了，麻烦管管", "希望社区多组织点老年人活动"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(classify, texts: list[str], seconds: float) -> tuple[float, float, int]:
    """Messages per second of wall-clock and of CPU time (the latter is fair on a shared, busy machine)."""
    done, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while True:
        for text in texts:
            classify(text)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed, done / (time.process_time() - cpu_started), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEV_CSV, help="CSV with a text column (default: the dev set)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rss_start = rss_mb()
    started = time.perf_counter()
    import intents
    from intents.text import load_jieba

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    classifier = intents.default_classifier()
    load_rules_model_s = time.perf_counter() - started
    jieba_s = load_jieba(classifier.rules.userdict)
    if args.data.exists():
        with open(args.data, encoding="utf-8") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
        source = f"{args.data.name} ({len(texts)} real messages, mean {sum(map(len, texts)) / len(texts):.0f} chars)"
    else:
        texts = RESIDENT * 300
        source = f"invented resident messages ({len(texts)})"
    started = time.process_time()
    for text in texts:
        classifier.classify(text)
    first_pass = len(texts) / (time.process_time() - started)
    long_rate, long_cpu, long_n = rate(classifier.classify, texts, args.seconds)
    short_rate, short_cpu, short_n = rate(classifier.classify, RESIDENT, args.seconds)
    # the same lines without the short-message cache: what a never-seen chat line costs
    fresh_rate, fresh_cpu, _ = rate(classifier._classify, RESIDENT, min(args.seconds, 3.0))
    # and with none of their words seen before either: the typo lookup's per-span cache emptied for every line
    lookup = classifier.rules.fuzzy.lookup

    def never_seen(text: str) -> None:
        lookup.cache_clear()
        classifier._classify(text)

    unseen_rate, unseen_cpu, _ = rate(never_seen, RESIDENT, min(args.seconds, 3.0))
    # real messages of chat length: the dev set's of up to 40 characters (after normalising), never seen either
    from intents.text import normalize

    short = [t for t in texts if len(normalize(t)) <= 40] if args.data.exists() else []
    chat_rate, chat_cpu, _ = rate(never_seen, short, min(args.seconds, 3.0)) if short else (0.0, 0.0, 0)
    public_rate, public_cpu, _ = rate(intents.classify, RESIDENT, min(args.seconds, 2.0))
    rules_only = intents.Classifier(classifier.rules, None)
    rules_rate, rules_cpu, _ = rate(rules_only.classify, texts, min(args.seconds, 3.0))
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.machine()) if Path("/proc/cpuinfo").exists() else "",
        "source": source,
        "import_s": round(import_s, 3),
        "rules_and_model_load_s": round(load_rules_model_s, 3),
        "jieba_load_s": round(jieba_s, 3),
        "first_pass_msgs_per_cpu_s": round(first_pass),
        "dev_msgs_per_s": round(long_rate), "dev_msgs_per_cpu_s": round(long_cpu), "dev_msgs": long_n,
        "resident_msgs_per_s": round(short_rate), "resident_msgs_per_cpu_s": round(short_cpu),
        "resident_msgs": short_n,
        "resident_uncached_msgs_per_s": round(fresh_rate), "resident_uncached_msgs_per_cpu_s": round(fresh_cpu),
        "resident_unseen_words_msgs_per_s": round(unseen_rate),
        "resident_unseen_words_msgs_per_cpu_s": round(unseen_cpu),
        "dev_short_unseen_msgs": len(short),
        "dev_short_unseen_msgs_per_s": round(chat_rate), "dev_short_unseen_msgs_per_cpu_s": round(chat_cpu),
        "intents_classify_msgs_per_s": round(public_rate), "intents_classify_msgs_per_cpu_s": round(public_cpu),
        "dev_rules_only_msgs_per_s": round(rules_rate), "dev_rules_only_msgs_per_cpu_s": round(rules_cpu),
        "load_average": os.getloadavg()[0],
        "rss_mb_before_import": round(rss_start, 1),
        "rss_mb": round(rss_mb(), 1),
        "model_features": len(classifier.model.vocab) if classifier.model else 0,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for key, value in result.items():
            print(f"{key:<40}{value}")


if __name__ == "__main__":
    main()
