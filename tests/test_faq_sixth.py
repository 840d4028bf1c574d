"""The SIXTH evaluation set's generator (not the matcher's accuracy)."""

from __future__ import annotations

import random
import re
from functools import lru_cache

import pytest

from knowledge_base.eval_sixth import (
    SYNTHETIC,
    TIERS,
    held_out_codes,
    sixth_docs,
    sixth_faq,
    sixth_queries,
)


@lru_cache(maxsize=None)
def faq():
    return sixth_faq(23)


@lru_cache(maxsize=None)
def queries(tier: str):
    return sixth_queries(faq(), random.Random(7), tier, per_entry=2)


def _norm(text: str) -> str:
    return re.sub(r"[，。？！、,.?!；;：:～~“”「」《》（）()\s\[\]]", "", text)


def test_deterministic_for_a_seed():
    assert [(e.code, e.question, e.answer) for e in sixth_faq(23)] == [(e.code, e.question, e.answer) for e in faq()]
    for tier in TIERS:
        again = sixth_queries(sixth_faq(23), random.Random(7), tier, per_entry=2)
        assert again == queries(tier)
    assert [e.question for e in sixth_faq(24)] != [e.question for e in faq()]


def test_size_codes_and_services():
    entries = faq()
    assert 1800 <= len(entries) <= 2200
    codes = [e.code for e in entries]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"S6\d{4}", c) for c in codes)
    assert len({e.service.full for e in entries}) >= 120
    assert len({e.category for e in entries}) >= 15


def test_questions_vary_in_style():
    questions = [e.question for e in faq()]
    assert len(set(questions)) == len(questions)
    assert any(q.startswith("问：") for q in questions)
    assert any("《" in q for q in questions)
    assert any(not q.endswith(("？", "?")) for q in questions)  # title-style entries
    assert any("是否" in q or "能否" in q for q in questions)


def test_every_held_out_code_is_absent_from_the_index():
    entries = faq()
    held = held_out_codes(entries)
    assert held == {e.code for e in entries[9::10]}
    indexed = {d.code for d in sixth_docs(entries, held)}
    assert not indexed & held
    assert len(indexed) + len(held) == len(entries)
    for tier in TIERS:
        held_q, covered, missing = queries(tier)
        assert held_q == held
        assert len(missing) == 2 * len(held)
        assert not {code for _, code in covered} & held
        assert {code for _, code in covered} == indexed


@pytest.mark.parametrize("tier", TIERS)
def test_resident_queries_are_not_the_official_text(tier):
    by_code = {e.code: e for e in faq()}
    _, covered, missing = queries(tier)
    for text, code in covered:
        official = _norm(by_code[code].question)
        assert _norm(text) and _norm(text) not in official, (text, official)
    assert all(_norm(t) for t in missing)


def test_the_plain_tier_names_the_service():
    by_code = {e.code: e for e in faq()}
    _, covered, _ = queries("plain")
    for text, code in covered:
        names = by_code[code].service.official_names
        assert any(n in text for n in names), (text, names)


def test_tiers_differ_in_length_and_style():
    lengths = {t: sum(len(q) for q, _ in queries(t)[1]) / len(queries(t)[1]) for t in TIERS}
    assert lengths["plain"] < lengths["chat"] < lengths["hard"]
    chat = [q for q, _ in queries("chat")[1]]
    assert sum(q.startswith(("您好", "你好", "请问", "在吗", "麻烦")) for q in chat) > len(chat) // 5


def test_no_real_personal_data():
    texts = [e.question for e in faq()] + [e.answer for e in faq()]
    for tier in TIERS:
        _, covered, missing = queries(tier)
        texts += [q for q, _ in covered] + missing
    blob = "\n".join(texts)
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", blob)  # mobile numbers
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", blob)  # identity card numbers
    assert not re.search(r"[\w.]+@[\w.]+", blob)  # e-mail addresses
    assert all(e.answer.startswith(SYNTHETIC) for e in faq())
