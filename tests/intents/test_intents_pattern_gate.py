"""A rule pattern is searched only on texts that hold one of the literals every match contains (text.required_any)."""

import csv
import re
from pathlib import Path

import pytest

from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.text import normalize, required_any

DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "messages_dev.csv"
RESIDENT = ["电梯困人了快来", "电梯卡住了里面还有人", "我被关在电梯里面", "楼下有煤气味，好像漏了", "燃汽泄漏了", "老人摔倒了",
            "有人掉进河里了", "找一下网格员", "查询 202612060001", "工单状态怎么样", "我上次反映的路灯怎么样了",
            "居住证怎么办理？", "能不能装个充电桩", "可以不", "电梯里没人", "冒了好多黑烟"]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("电梯.{0,6}(困|关)人", ("电梯",)),
    ("(煤气|燃气|天然气).{0,4}漏", ("煤气", "燃气", "天然气")),
    ("(能|可以).{1,12}[不没]$", ("能", "可以")),
    ("[?]$", ("?",)),
    ("(查询?|查一下)工单", ("工单",)),
    ("(上次|我)(反映|报)的", ("的",)),
])
def test_the_required_literals_are_read_off_the_pattern(pattern: str, expected: tuple) -> None:
    assert required_any(re.compile(pattern)) == expected


@pytest.mark.parametrize("pattern", [r"^\d{6,}$", "电梯|燃气", "(?i)abc", ".{0,3}(a)?"])
def test_no_gate_where_nothing_is_certain(pattern: str) -> None:
    assert required_any(re.compile(pattern)) is None


def test_a_pattern_never_matches_a_text_its_gate_turns_away() -> None:
    rules = load_rules(PACKAGE_RULES_DIR)
    texts = RESIDENT
    if DEV.exists():
        with open(DEV, encoding="utf-8") as handle:
            texts = texts + [row["text"] for row in csv.DictReader(handle)]
    patterns = [(p, required_any(p)) for r in rules.rules for p in r.patterns + r.unless]
    gated = 0
    for text in map(normalize, texts):
        for pattern, needs in patterns:
            if needs is not None and not any(s in text for s in needs):
                gated += 1
                assert pattern.search(text) is None, (pattern.pattern, text)
    assert gated > len(texts)  # the gate does turn texts away


def test_the_one_lookup_picks_exactly_the_patterns_whose_literals_the_text_holds() -> None:
    """The literals are keywords of the rules' index (payload ("pattern", n) or, for `unless` guards, ("guard", n)):
    the patterns and guards the classifier searches are the ungated ones plus those the lookup of the text's grams
    finds, and nothing else."""
    from intents.text import distinct, gram_ids

    rules = load_rules(PACKAGE_RULES_DIR)
    assert len(rules.patterns) == sum(len(r.patterns) for r in rules.rules)
    assert len(rules.guards) == sum(len(r.unless) for r in rules.rules)
    texts = RESIDENT + ["电梯" * 300 + "困人", "查询 202612060001", "?", "", "如何预防燃气泄漏", "昨天电梯困人了"]
    if DEV.exists():
        with open(DEV, encoding="utf-8") as handle:
            texts = texts + [row["text"] for row in csv.DictReader(handle)]
    searched = {"pattern": 0, "guard": 0}
    for text in (normalize(t)[:400] for t in texts):
        keywords = rules.index.find(text, distinct(gram_ids(text)))
        for kind, gated in (("pattern", rules.patterns), ("guard", rules.guards)):
            found = {n for k in keywords for what, n in rules.index.payloads[k] if what == kind}
            found |= {n for n, (_, _, needs) in enumerate(gated) if needs is None}
            expected = {n for n, (_, _, needs) in enumerate(gated) if needs is None or any(s in text for s in needs)}
            assert found == expected, (kind, text)
            searched[kind] += len(found)
    assert min(searched.values()) > len(texts)  # patterns and guards are searched, not all skipped
