"""SEVENTH: a hand-written, independent evaluation set for the FAQ matcher.

The data (``seventh_data.csv``) was written entry by entry by hand, in the style
of a city's 12345 / 政务服务 FAQ, with two resident-style WeChat queries per
entry.  Its author never read the matcher or the other evaluation sets.
All answers are synthetic (「【合成数据，非真实政策】」).

Entries marked ``held_out=1`` are left out of the index; their queries stand
for questions the FAQ does not cover.
"""
from __future__ import annotations

import csv
import datetime
from pathlib import Path

from knowledge_base.matcher import FaqDoc, FaqIndex

DATA_PATH = Path(__file__).with_name("seventh_data.csv")
FIELDS = ["code", "service", "question", "answer", "held_out", "query1", "query2"]


def load_seventh(path: str | Path | None = None) -> list[dict[str, str]]:
    with open(path or DATA_PATH, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != FIELDS:
            raise ValueError(f"unexpected header: {reader.fieldnames}")
        return [dict(row) for row in reader]


def _rate(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


HALVES = ("dev", "test")


def halves(rows: list[dict[str, str]]) -> dict[str, str]:
    """Service -> "dev" or "test": services in sorted order alternate between the halves. The dev half's misses
    may be read while tuning the matcher, the test half's never (its figures are the honest ones)."""
    return {service: HALVES[n % 2] for n, service in enumerate(sorted({r["service"] for r in rows}))}


def run_seventh(path: str | Path | None = None, half: str | None = None) -> dict:
    """Figures over all queries, or over the queries of one half of the services (`half`: "dev" or "test"); the
    index always holds every non-held-out entry, as a real FAQ would."""
    if half is not None and half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}")
    every = load_seventh(path)
    rows = every
    if half is not None:
        half_of = halves(every)
        rows = [r for r in every if half_of[r["service"]] == half]
    covered_rows = [r for r in rows if r["held_out"] != "1"]
    held_rows = [r for r in rows if r["held_out"] == "1"]
    docs = [FaqDoc(r["code"], r["question"], r["answer"], category=r["service"]) for r in every if r["held_out"] != "1"]
    index = FaqIndex.build(docs)
    question_of = {r["code"]: r["question"] for r in every}
    today = datetime.date.today()

    cov = dict(correct=0, wrong=0, menu_hit=0, menu_miss=0, unknown=0)
    held = dict(answered=0, menu=0, unknown=0)
    wrong_examples: list[dict] = []

    for r in covered_rows:
        for key in ("query1", "query2"):
            m = index.match(r[key], today=today)
            if m.outcome == "answer":
                if m.code == r["code"]:
                    cov["correct"] += 1
                else:
                    cov["wrong"] += 1
                    if len(wrong_examples) < 10:
                        wrong_examples.append(
                            dict(query=r[key], expected=r["question"], answered=question_of.get(m.code, m.code))
                        )
            elif m.outcome == "menu":
                cov["menu_hit" if r["code"] in (m.menu_codes or []) else "menu_miss"] += 1
            else:
                cov["unknown"] += 1

    for r in held_rows:
        for key in ("query1", "query2"):
            m = index.match(r[key], today=today)
            held["answered" if m.outcome == "answer" else "menu" if m.outcome == "menu" else "unknown"] += 1

    n_cov = sum(cov.values())
    n_held = sum(held.values())
    return {
        "half": half or "all",
        "entries": len(rows),
        "services": len({r["service"] for r in rows}),
        "indexed_entries": len(covered_rows),
        "held_out_entries": len(held_rows),
        "covered_queries": n_cov,
        "held_out_queries": n_held,
        "covered": {k: _rate(v, n_cov) for k, v in cov.items()},
        "covered_counts": cov,
        "held_out": {k: _rate(v, n_held) for k, v in held.items()},
        "held_out_counts": held,
        "wrong_examples": wrong_examples,
    }


if __name__ == "__main__":  # pragma: no cover
    import json

    print(json.dumps(run_seventh(), ensure_ascii=False, indent=1))
