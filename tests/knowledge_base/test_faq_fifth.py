"""The fifth evaluation set: its generators, not the matcher's accuracy."""

import random
import re
from collections import Counter

from knowledge_base.evaluate import (
    FIFTH_SERVICES, OFFICIAL, RESIDENT_FIFTH, fifth_queries, official_faq_fifth, _fifth_query)


def _set(seed=11, per_entry=2):
    faq = official_faq_fifth(seed=seed)
    return faq, *fifth_queries(faq, random.Random(seed), per_entry=per_entry)


def test_deterministic_for_a_seed_and_different_across_seeds():
    a, b = _set(), _set()
    assert [e.doc for e in a[0]] == [e.doc for e in b[0]]
    assert a[1:] == b[1:]
    other = _set(seed=12)
    assert [e.doc.question for e in other[0]] != [e.doc.question for e in a[0]]


def test_official_side_size_codes_and_one_entry_per_service_situation_aspect():
    faq = official_faq_fifth()
    assert 1500 <= len(faq) <= 2000
    codes = [e.doc.code for e in faq]
    assert len(set(codes)) == len(codes) and all(re.fullmatch(r"F5\d{4}", c) for c in codes)
    assert len({(e.service, e.situation, e.aspect) for e in faq}) == len(faq)
    assert {e.service for e in faq} == {s[0] for s in FIFTH_SERVICES} and len(FIFTH_SERVICES) >= 100
    assert all(e.doc.category == e.service and "合成" in e.doc.answer for e in faq)
    # not the OFFICIAL templates: only a few generic questions (…的咨询电话是多少？) read like a filled OFFICIAL template
    templates = {tpl.format(t=e.service, w="") for e in faq for tpls in OFFICIAL.values() for tpl in tpls}
    assert len(templates & {e.doc.question for e in faq}) < 0.03 * len(faq)
    # near-twins exist: services with several situations share aspects across them
    twins = Counter((e.service, e.aspect) for e in faq if e.situation is not None)
    assert sum(1 for n in twins.values() if n > 1) >= 100


def test_held_out_entries_are_every_tenth_and_queried():
    faq, held, covered, missing = _set(per_entry=3)
    assert held == {e.doc.code for e in faq[::10]}
    indexed = {e.doc.code for e in faq if e.doc.code not in held}
    assert not held & indexed
    assert len(covered) == 3 * len(indexed) and len(missing) == 3 * len(held)
    assert {code for _, code in covered} == indexed
    # most held-out entries keep a near-twin (same service) in the index: answering with it is wrong
    services = {e.service for e in faq if e.doc.code in indexed}
    assert all(e.service in services for e in faq if e.doc.code in held)


def test_resident_queries_are_not_the_official_wording_and_vary():
    faq, held, covered, missing = _set()
    questions = {e.doc.question for e in faq}
    texts = [t for t, _ in covered] + missing
    assert not questions & set(texts)
    assert len(set(texts)) > 0.95 * len(texts)
    no_punct = [t for t in texts if not re.search(r"[，。？！,.?!]", t)]
    assert len(no_punct) > 0.25 * len(texts)  # voice-input style
    assert any(re.search(r"[A-Za-z]{2,}", t) for t in texts)  # gjj, yb, app ...
    assert any(w in t for t in texts for w in ("啥子", "咋个", "晓得", "得不得", "中不中"))


def test_every_query_speaks_of_its_aspect_and_situation():
    rng = random.Random(5)
    for e in official_faq_fifth()[:300]:
        text = _fifth_query(e, rng)
        assert text and len(text) < 200
    assert set(RESIDENT_FIFTH) >= {e.aspect for e in official_faq_fifth()}
