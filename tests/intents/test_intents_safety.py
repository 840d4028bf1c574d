"""Emergencies are never answered as questions, police matters never become tickets, and guards stop false alarms."""

from __future__ import annotations

import pytest

import intents

EMERGENCIES = ["楼下有煤气味，好大", "电梯困人了", "快来人啊着火了", "老人晕倒了", "天然气泄漏了赶紧来",
               "您好 请问 楼道冒烟了怎么办", "有人被困电梯里了"]
POLICE = ["有人打架了", "我被诈骗了怎么办", "家里被盗了", "门口有人抢劫", "请问我被骗了钱怎么办"]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_is_never_routed_as_a_question(text: str) -> None:
    result = intents.classify(text)
    assert result.intent == "emergency", result.evidence
    assert result.urgency == "emergency"


@pytest.mark.parametrize("text", POLICE)
def test_police_matter_is_never_a_complaint_or_service_request(text: str) -> None:
    result = intents.classify(text)
    assert result.intent == "police", result.evidence
    assert result.intent not in ("complaint", "service_request")


@pytest.mark.parametrize("text,expected", [
    ("燃气费怎么交", "question"),
    ("如何防范诈骗", "question"),
    ("怎么预防火灾？", "question"),
    ("建议小区定期开展消防演练", "suggestion"),
    ("建议加强打击电信诈骗", "suggestion"),
    ("没有煤气味了", None),
    ("电梯经常坏，上周还困人了，物业不管", None),
])
def test_negated_past_and_question_forms_do_not_raise_alarms(text: str, expected: str | None) -> None:
    result = intents.classify(text)
    assert result.intent not in ("emergency", "police"), result.evidence
    if expected:
        assert result.intent == expected
