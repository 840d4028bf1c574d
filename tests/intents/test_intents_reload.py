"""Rule files are data: edited copies take effect without a restart, broken ones are refused and named."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import intents
from intents import api
from intents.classifier import Classifier
from intents.rules import PACKAGE_RULES_DIR, load_rules


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "rules"
    shutil.copytree(PACKAGE_RULES_DIR, directory)
    monkeypatch.setenv("LINLI_RULES_DIR", str(directory))
    monkeypatch.setattr(api, "CHECK_EVERY", 0.0)
    yield directory
    monkeypatch.delenv("LINLI_RULES_DIR")
    intents.reload()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_rules_dir_follows_environment(rules_copy: Path) -> None:
    assert intents.rules_dir() == rules_copy
    assert intents.default_classifier().rules.directory == rules_copy


def test_changed_rule_file_is_picked_up_without_restart(rules_copy: Path) -> None:
    assert intents.classify("小区里有马蜂窝").category is None
    _edit(rules_copy / "taxonomy.yaml", "keywords: [狗, 犬,", "keywords: [马蜂窝, 狗, 犬,")
    assert intents.classify("小区里有马蜂窝").category == "犬只"


def test_broken_rule_file_keeps_previous_rules_and_names_the_problem(rules_copy: Path) -> None:
    before = intents.classify("建议小区多装几个充电桩")
    _edit(rules_copy / "intents.yaml", "intent: suggestion", "intent: wishes")
    after = intents.classify("建议小区多装几个充电桩")
    assert after.intent == before.intent == "suggestion"
    assert "intents.yaml" in intents.last_error() and "wishes" in intents.last_error()
    with pytest.raises(intents.RuleError, match=r"intents\.yaml: rules\[\d+\] \(id=suggestion\.explicit\)"):
        intents.reload()
    assert intents.classify("建议小区多装几个充电桩").intent == "suggestion"


@pytest.mark.parametrize("filename,old,new,message", [
    ("intents.yaml", "patterns: ['[?]$'", "patterns: ['[?$'", "bad regular expression"),
    ("taxonomy.yaml", "department: 城建, handler_type: grid", "department: 不存在, handler_type: grid", "不存在"),
    ("taxonomy.yaml", "sla: utility,", "sla: tomorrow,", "sla must be one of"),
    ("taxonomy.yaml", "on_site: false,", "on_site: maybe,", "on_site must be true or false"),
    ("intents.yaml", "rules:\n", "rules: [\n", "not valid YAML"),
    ("intents.yaml", "  emergency.missing:", "  emergency.lost:", "replies.emergency.lost: not an intent or a rule id"),
    ("intents.yaml", "  complaint.dog_bite: \"", "  complaint.dogbite: \"", "advice.complaint.dogbite: not a rule id"),
    ("intents.yaml", "  complaint.dog_bite: \"", "  emergency.gas: \"", "advice.emergency.gas: an emergency or police rule"),
])
def test_load_rules_reports_file_and_problem(rules_copy: Path, filename: str, old: str, new: str, message: str) -> None:
    _edit(rules_copy / filename, old, new)
    with pytest.raises(intents.RuleError) as caught:
        intents.load_rules(rules_copy)
    assert filename in str(caught.value) and message in str(caught.value)


def test_classifier_class_is_pure_over_given_rules(rules_copy: Path) -> None:
    _edit(rules_copy / "intents.yaml", "keywords: [建议, 提议,", "keywords: [出个点子, 建议, 提议,")
    custom = intents.Classifier(intents.load_rules(rules_copy))
    assert custom.classify("我出个点子：楼下放个快递柜").intent == "suggestion"
    assert custom.classify("我出个点子：楼下放个快递柜") == custom.classify("我出个点子：楼下放个快递柜")


def test_a_keyword_listed_twice_counts_and_shows_once(rules_copy: Path) -> None:
    # staff editing a long list on the admin page will repeat a word sooner or later
    _edit(rules_copy / "intents.yaml", "keywords: [坏了, 不亮了,", "keywords: [坏了, 坏了, 不亮了, 坏了,")
    rules = load_rules(rules_copy)
    repair = next(r for r in rules.rules if r.id == "service.repair")
    assert repair.keywords.count("坏了") == 1
    result = Classifier(rules).classify("楼道灯坏了")
    assert [e["keyword"] for e in result.evidence if e.get("rule") == "service.repair"] == ["坏了"]


def test_a_pattern_is_lower_cased_like_the_text_but_its_escapes_keep_their_meaning(tmp_path: Path) -> None:
    """「\\W」 lowered would be 「\\w」: a staff member's 「^投诉ABC\\W*$」 must still refuse 投诉abc吵."""
    directory = tmp_path / "rules"
    shutil.copytree(PACKAGE_RULES_DIR, directory)
    _edit(directory / "intents.yaml", "  - id: short.human\n",
          "  - id: test.escapes\n    intent: complaint\n    weight: 5\n    patterns: ['^投诉ABC\\W*$']\n"
          "  - id: short.human\n")
    classifier = Classifier(load_rules(directory))
    [pattern] = [p for r, p, _ in classifier.rules.patterns if r.id == "test.escapes"]
    assert pattern.pattern == "^投诉abc\\W*$"
    fired = {e["rule"] for e in classifier.classify("投诉ABC！！").evidence}
    assert "test.escapes" in fired
    assert "test.escapes" not in {e["rule"] for e in classifier.classify("投诉abc吵").evidence}
