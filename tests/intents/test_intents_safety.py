"""Emergencies are never answered as questions, police matters never become tickets, and guards stop false alarms."""

from __future__ import annotations

import pytest

import intents

EMERGENCIES = ["楼下有煤气味，好大", "电梯困人了", "快来人啊着火了", "老人晕倒了", "天然气泄漏了赶紧来",
               "您好 请问 楼道冒烟了怎么办", "有人被困电梯里了", "有个老人在小区里迷路了", "孩子迷路了"]
ALONE_UNSEEN = ["我家隔壁的独居老人好几天没见出门了", "隔壁老人好几天没动静了", "对门的老太太一个人住，电话一直打不通",
                "楼上空巢老人这两天没下楼", "我家隔壁的王奶奶一个人住，好几天没见她出门了", "楼上老大爷好几天没看到他下楼了"]
POLICE = ["有人打架了", "我被诈骗了怎么办", "家里被盗了", "门口有人抢劫", "请问我被骗了钱怎么办"]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_is_never_routed_as_a_question(text: str) -> None:
    result = intents.classify(text)
    assert result.intent == "emergency", result.evidence
    assert result.urgency == "emergency"


@pytest.mark.parametrize("text", ALONE_UNSEEN)
def test_an_elder_living_alone_not_seen_for_days_is_an_emergency_with_its_own_advice(text: str) -> None:
    result = intents.classify(text)
    assert (result.intent, result.urgency) == ("emergency", "emergency"), result.evidence
    assert "110" in result.safety_reply and "敲门" in result.safety_reply and result.advice is None


@pytest.mark.parametrize("text", ["希望社区多关心一下独居老人", "独居老人这几天没出门，是去女儿家了", "建议给独居老人装个呼叫器"])
def test_caring_about_elders_alone_or_a_known_reason_raises_no_alarm(text: str) -> None:
    assert intents.classify(text).intent != "emergency"


@pytest.mark.parametrize("text", ["楼道里堆了很多纸箱，怕着火", "有人在楼道抽烟，怕引起火灾", "电动车在楼道充电，万一着火怎么办",
                                  "我想匿名反映一下，7号楼有人在楼道里堆了很多纸箱，怕着火"])
def test_a_fire_feared_is_a_fire_safety_complaint_not_an_alarm(text: str) -> None:
    """The grid worker is not paged and the resident not told to call 119 for boxes that might one day burn."""
    result = intents.classify(text)
    assert result.intent == "complaint" and result.category in ("消防安全", "电动车充电"), result.evidence


@pytest.mark.parametrize("text", ["燃气管道老化了，怕漏气", "厨房燃气管生锈了，担心燃气泄漏"])
def test_a_gas_leak_feared_is_a_utility_case_not_an_alarm(text: str) -> None:
    result = intents.classify(text)
    assert (result.intent, result.category, result.sla) == ("complaint", "水电气暖", "utility"), result.evidence


@pytest.mark.parametrize("text", ["着火了！万一爆炸怎么办", "插座冒烟了，怕着火", "楼下着火了，我怕烧到我家",
                                  "有煤气味，担心燃气泄漏", "燃气泄漏了，万一爆炸怎么办"])
def test_a_fire_or_leak_now_is_an_emergency_even_when_worse_is_feared(text: str) -> None:
    assert intents.classify(text).intent == "emergency"


@pytest.mark.parametrize("text", ["我被小区里的狗咬了", "孩子被狗咬了怎么办", "3号楼的狗咬人了没人管", "被邻居家的狗抓伤了"])
def test_a_dog_bite_is_a_complaint_about_the_dog_that_carries_first_aid(text: str) -> None:
    result = intents.classify(text)
    assert (result.intent, result.category, result.urgency) == ("complaint", "犬只", "high"), result.evidence
    assert "15 分钟" in result.advice and "24 小时" in result.advice


@pytest.mark.parametrize("text", ["以前被狗咬过，现在看到狗就怕", "狗叫太吵了", "楼道灯坏了"])
def test_no_advice_where_no_rule_with_advice_fired(text: str) -> None:
    assert intents.classify(text).advice is None


@pytest.mark.parametrize("text", POLICE)
def test_police_matter_is_never_a_complaint_or_service_request(text: str) -> None:
    result = intents.classify(text)
    assert result.intent == "police", result.evidence
    assert result.intent not in ("complaint", "service_request")


@pytest.mark.parametrize("text", POLICE + ["有人在小区门口打架", "电动车电瓶被偷了", "小区里有人偷东西", "有人冒充客服让我转账"])
def test_a_police_matter_is_filed_under_the_police_category_whatever_else_it_mentions(text: str) -> None:
    """settings.police_category: 小区门口打架 is not 城建's, 偷电瓶 is not 电动车充电; the redirect, not a department, acts."""
    result = intents.classify(text)
    assert (result.intent, result.category, result.department) == ("police", "治安问题", "治安"), result.evidence
    assert [e for e in result.evidence if e["rule"] == "category.治安问题"]
    assert not [e for e in result.evidence if e["rule"].startswith("model.department")]


def test_police_category_must_name_a_category(tmp_path) -> None:
    import shutil

    from intents.rules import PACKAGE_RULES_DIR, load_rules
    for name in ("intents.yaml", "taxonomy.yaml", "userdict.txt"):
        shutil.copy(PACKAGE_RULES_DIR / name, tmp_path / name)
    path = tmp_path / "intents.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("police_category: 治安问题", "police_category: 公安局"),
                    encoding="utf-8")
    with pytest.raises(intents.RuleError, match="police_category '公安局' is not a category"):
        load_rules(tmp_path)


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
