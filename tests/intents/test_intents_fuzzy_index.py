"""The typo lookup's wildcard index answers what a scan of every keyword of the span's length answers."""

import random

from rapidfuzz import process
from rapidfuzz.distance import Hamming

from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.text import FuzzyLookup


def scan(keywords: list[str], span: str) -> str | None:
    """The lookup as it was: rapidfuzz over every keyword of the span's length, in sorted order."""
    choices = sorted(k for k in set(keywords) if len(k) == len(span) and len(k) >= 3)
    found = process.extractOne(span, choices, scorer=Hamming.distance, score_cutoff=1) if choices else None
    return None if found is None or found[1] == 0 else found[0]


def test_the_index_and_the_scan_agree_on_typos_keywords_and_strangers() -> None:
    keywords = sorted(load_rules(PACKAGE_RULES_DIR).fuzzy_payloads)
    lookup = FuzzyLookup(keywords)
    rng = random.Random(7)
    long = [k for k in keywords if len(k) >= 3]
    spans = list(long)  # every keyword itself: no typo
    for _ in range(3000):  # one character changed: a typo, or now another keyword
        k = rng.choice(long)
        i = rng.randrange(len(k))
        spans.append(k[:i] + rng.choice("的了电梯证住气灯煤汽症道门水") + k[i + 1:])
    for _ in range(1000):  # two changed, or random text: usually nothing
        k = rng.choice(long)
        spans.append("".join(rng.choice("的了电梯证住气灯煤汽症道门水") if rng.random() < 0.5 else ch for ch in k))
    found = [lookup.lookup(s) for s in spans]
    assert found == [scan(keywords, s) for s in spans]
    assert sum(f is not None for f in found) > 1000  # the typos are found, not only agreed on as misses


def test_ties_go_to_the_first_keyword_in_sorted_order() -> None:
    lookup = FuzzyLookup(["楼道灯", "楼道门", "电梯坏"])
    assert lookup.lookup("楼道x") == "楼道灯"  # both at distance 1: 灯 sorts before 门
    assert lookup.lookup("楼道灯") is None  # the keyword itself
    assert lookup.lookup("电梯怀") == "电梯坏"
    assert lookup.lookup("楼下灯") == "楼道灯"
    assert lookup.lookup("楼下x") is None  # two characters away
    assert lookup.lookup("电梯") is None and lookup.lookup("电梯坏了") is None  # other lengths


def test_a_span_holding_the_wildcard_character_is_still_judged_by_distance() -> None:
    lookup = FuzzyLookup(["居住证"])
    assert lookup.lookup("居\x00证") == "居住证"  # one character away, whatever that character is
    assert lookup.lookup("\x00\x00证") is None

