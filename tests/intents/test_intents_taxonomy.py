"""Community categories route to their department, handler type and SLA; the taxonomy is public data."""

from __future__ import annotations

import pytest

import intents

CATEGORY_CASES = [
    ("网格员态度很差，说好的上门一直没来", "工作作风"),
    ("居委会不作为，反映了好几次都没人管", "工作作风"),
    ("物业态度恶劣", "物业管理"),
    ("物业费太贵了能不能降点", "物业管理"),
    ("小区里乱停车把路都堵了", "停车"),
    ("楼道有人飞线充电太危险", "电动车充电"),
    ("垃圾桶满了好几天没人清运", "垃圾分类与环境卫生"),
    ("楼道里很脏没人打扫", "垃圾分类与环境卫生"),
    ("楼道里堆满杂物", "消防安全"),
    ("隔壁天天半夜装修吵死了", "噪音"),
    ("楼上天天晚上11点以后还在蹦迪", "噪音"),
    ("楼下邻居天天打麻将吵闹", "噪音"),
    ("我家水管爆了", "漏水与管道"),
    ("家里停电了一上午", "水电气暖"),
    ("电梯又坏了爬楼累死", "电梯"),
    ("小区路灯不亮好几天", "路灯与公共设施"),
    ("楼下的树好久没修剪了树枝都伸到窗户里", "绿化"),
    ("楼顶有人私搭乱建", "违建"),
    ("小区流浪狗太多了晚上不敢出门", "犬只"),
    ("独居老人能不能上门助餐", "养老"),
    ("低保怎么申请", "低保救助"),
    ("帮我开个证明", "证明开具"),
    ("居住证怎么办", "居住证"),
    ("医保卡怎么报销", "医保社保"),
    ("楼道里堆满杂物有消防隐患", "消防安全"),
    ("外墙皮脱落砸到车了", "房屋维修"),
    ("楼上装修把我家墙震裂了", "房屋维修"),
    ("窗户外面的空调外机要掉下来了", "房屋维修"),
    ("楼下商铺占道经营，人都过不去", "市容秩序"),
    ("楼上空调外机滴水滴到我家窗台", "市容秩序"),
    ("小区门口天天有流动摊贩，乱糟糟的", "市容秩序"),
    ("有人在楼道墙上乱涂乱画", "市容秩序"),
    ("共享单车堆在小区门口堵路", "市容秩序"),
    ("楼上每天晚上十一点还在跳绳", "噪音"),
    ("邻居把鞋柜放在楼道里", "消防安全"),
    ("楼道里的灯一直不亮", "路灯与公共设施"),
    ("建议在人行道上多装几个路灯", "路灯与公共设施"),
    ("隔壁装修电钻声从早到晚", "噪音"),
    ("想给我妈办个老年证咋弄", "养老"),
    ("物业电梯年检过期了还在用", "电梯"),
    ("车库里有人私接电线", "消防安全"),
    ("楼下小卖部卖烟给小孩", "消费维权"),
    ("我想举报小区里有人开黑诊所", "医疗卫生"),
    ("地下车库的灯全灭了，黑乎乎的很危险", "路灯与公共设施"),  # the lights, not the parking
    ("车库里乱停车", "停车"),
    ("楼上天天往下扔烟头", "物业管理"),
    ("能不能在小区门口加个减速带，车开太快了", "路灯与公共设施"),
    ("车位被别人占了好几天", "停车"),
    ("有人在绿化带里种菜", "绿化"),
    ("电梯又停了，我妈腿不好下不了楼", "电梯"),
]


@pytest.mark.parametrize("text,category", CATEGORY_CASES)
def test_message_lands_in_its_community_category(text: str, category: str) -> None:
    result = intents.classify(text)
    assert result.category == category, (text, result.category, result.evidence)
    expected = intents.get_category(category)
    assert result.department == expected.department
    assert result.handler_type == expected.handler_type


def test_taxonomy_lists_categories_with_routing() -> None:
    categories = intents.taxonomy()
    names = {c.name for c in categories}
    assert {"物业管理", "停车", "噪音", "漏水与管道", "电梯", "居住证", "水电气暖", "消防安全"} <= names
    for c in categories:
        assert c.department in intents.departments()
        assert c.handler_type in ("grid", "department", "community")
        assert c.sla in ("emergency", "utility", "ordinary", "complex")
        assert set(c.to_dict()) == {"name", "department", "handler_type", "sla", "on_site", "photo"}
    assert {c.name for c in categories if not c.on_site} == {"证明开具", "居住证", "户籍", "医保社保", "就业", "教育入学", "低保救助",
                                                            "工作作风"}
    assert {c.name for c in categories if c.handler_type == "community"} == {"工作作风"}
    assert {c.name for c in categories if not c.photo} == {"养老"}


def test_get_category_returns_none_for_unknown_name() -> None:
    assert intents.get_category("不存在的分类") is None
    assert intents.get_category("水电气暖").sla == "utility"


def test_utility_failure_is_high_urgency_with_24h_sla() -> None:
    result = intents.classify("我们楼停水两天了")
    assert result.sla == "utility" and result.urgency == "high"


def test_question_about_utilities_is_not_urgent() -> None:
    result = intents.classify("水费在哪里交")
    assert result.intent == "question" and result.urgency == "normal"


def test_department_without_category_comes_from_domain_keywords() -> None:
    result = intents.classify("地铁什么时候开通")
    assert result.department == "交通"
