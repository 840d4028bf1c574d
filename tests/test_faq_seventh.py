"""Sanity checks for the hand-written SEVENTH FAQ evaluation set (data only)."""
import collections
import csv
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "knowledge_base" / "seventh_data.csv"
HEADER = ["code", "service", "question", "answer", "held_out", "query1", "query2"]
# public service hotlines / app names that may appear in synthetic answers
PUBLIC_NUMBERS = {"12345", "12315", "12328", "95598", "12123"}


@pytest.fixture(scope="module")
def rows():
    with open(DATA, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        assert header == HEADER
        body = list(reader)
    assert all(len(r) == len(HEADER) for r in body)
    return [dict(zip(HEADER, r)) for r in body]


def test_size_and_services(rows):
    assert len(rows) >= 400
    services = collections.Counter(r["service"] for r in rows)
    assert len(services) >= 60
    assert all(r["service"].strip() for r in rows)


def test_codes_unique_and_shaped(rows):
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"S7\d{3,}", c) for c in codes)


def test_questions_unique(rows):
    qs = [r["question"] for r in rows]
    assert len(qs) == len(set(qs))


def test_held_out_about_ten_percent(rows):
    assert all(r["held_out"] in {"0", "1"} for r in rows)
    held = [r for r in rows if r["held_out"] == "1"]
    assert 0.07 <= len(held) / len(rows) <= 0.14
    # spread over services
    assert len({r["service"] for r in held}) >= 0.8 * len(held)


def test_answers_marked_synthetic(rows):
    assert all(r["answer"].startswith("【合成数据，非真实政策】") for r in rows)


def test_queries_differ_from_question(rows):
    for r in rows:
        q = r["question"]
        for key in ("query1", "query2"):
            x = r[key].strip()
            assert x, (r["code"], key)
            assert x != q and x not in q, (r["code"], x)
        assert r["query1"] != r["query2"], r["code"]


def test_no_personal_data(rows):
    for r in rows:
        text = " ".join(r[k] for k in HEADER[1:])
        assert not re.search(r"\d{17}[\dXx]", text), r["code"]  # ID numbers
        assert not re.search(r"1[3-9]\d{9}", text), r["code"]  # mobile numbers
        for num in re.findall(r"\d{5,}", text):
            assert num in PUBLIC_NUMBERS, (r["code"], num)
        assert not re.search(r"[\u4e00-\u9fff](?:先生|女士)", text), r["code"]
