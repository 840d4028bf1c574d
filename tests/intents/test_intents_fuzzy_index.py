"""The typo lookup's wildcard index answers what a scan of every keyword of the span's length answers."""

import random

from rapidfuzz import process
from rapidfuzz.distance import Hamming

from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.text import SPAN_MAX_LEN, FuzzyLookup, _WildcardSieve


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


def windows(text: str) -> list[str]:
    return [text[i:i + n] for n in range(3, SPAN_MAX_LEN + 1) for i in range(len(text) - n + 1)]


def test_the_sieve_never_turns_away_a_text_that_holds_a_typo() -> None:
    lookup = load_rules(PACKAGE_RULES_DIR).fuzzy
    keywords = sorted(k for k in lookup._keywords if len(k) <= SPAN_MAX_LEN)
    rng = random.Random(11)
    texts = ["楼下有煤汽味", "居住症怎么办理", "我家门口的冲电桩坏了", "你好", "谢谢", "今天天气不错我们去公园散步",  # 天天气 is one character from 天然气
             "楼道灯坏了一周没人修", "电梯里困人了快来", "a", "", "？？？", "电梯坏"]
    for _ in range(2000):  # a keyword with one character changed, inside filler: the sieve must let it through
        k = rng.choice(keywords)
        i = rng.randrange(len(k))
        typo = k[:i] + rng.choice("的了电梯证住气灯煤汽症道门水") + k[i + 1:]
        texts.append(rng.choice(["", "你好", "我家"]) + typo + rng.choice(["", "了", "怎么办啊"]))
    for _ in range(2000):  # random text from the keywords' own characters: near misses of every kind
        texts.append("".join(rng.choice(rng.choice(keywords)) for _ in range(rng.randrange(1, 41))))
    turned_away = held = 0
    for text in texts:
        has_typo = any(lookup.lookup(w) for w in windows(text))
        held += has_typo
        if not lookup.may_hold_typo(text):
            assert not has_typo, text
            turned_away += 1
    assert held > 1000  # the typos are there, so letting them through was tested
    assert turned_away > 500  # and it does turn texts away, or it would buy nothing
    assert not lookup.may_hold_typo("我们小区的花园很漂亮") and not lookup.may_hold_typo("你好")
    assert lookup.may_hold_typo("楼下有煤汽味") and lookup.may_hold_typo("居住症怎么办理")


def test_a_keyword_alone_is_no_typo_unless_another_keyword_is_one_character_away() -> None:
    assert not FuzzyLookup(["楼道灯"]).may_hold_typo("楼道灯坏了")
    assert FuzzyLookup(["楼道灯", "楼道门"]).may_hold_typo("楼道灯坏了")  # 楼道灯 is 楼道门 with a typo
    assert FuzzyLookup(["楼道灯"]).may_hold_typo("楼道等")
    assert not FuzzyLookup([]).may_hold_typo("楼道灯") and not FuzzyLookup(["电梯"]).may_hold_typo("电话")  # < 3
    assert _WildcardSieve(["电梯"]).may_hold("电话") and not _WildcardSieve(["电梯"]).may_hold("电")  # the sieve itself


def test_a_long_text_is_sieved_without_keeping_a_table_its_size() -> None:
    lookup = FuzzyLookup(["居住证", "煤气味"])
    assert lookup.may_hold_typo("居住症" + "啊" * 20000) and not lookup.may_hold_typo("你好" * 20000)
    assert len(lookup._sieve._places) <= 4096  # a caller's long text must not leave megabytes behind
    assert lookup.may_hold_typo("楼下有煤汽味")
