"""Departments: the rules' choice blended with the department model, which leads on letters and follows on chat."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import intents
from intents.classifier import Classifier
from intents.cli import classify
from intents.model import NgramModel
from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.train_departments import main as train_departments

# Invented letters in the mailbox's manner: long, formal, the department in the whole text rather than one keyword.
LETTERS = [
    ("尊敬的领导您好，我每天早上从家出发去单位上班，早高峰时段的车厢极其拥挤，站台上排队的人一直排到了进站口，"
     "经常要等三四趟才能挤上去，希望相关部门能加开早高峰的班次，缩短发车间隔，方便沿线群众出行，谢谢！", "交通"),
    ("领导您好，我家孩子今年九月该上一年级了，我们户口在本区但房子在隔壁街道，想了解一下今年的划片政策，"
     "是按户籍还是按房产，随迁子女需要准备哪些证明，什么时候开始网上报名登记，盼复，谢谢！", "教育"),
    ("您好，我在一家公司工作了三年，今年公司以经营困难为由把我们十几个人辞退了，没有签任何协议，"
     "最后两个月的工资到现在也没发，也不给经济补偿，我们去找了好几次，老板一直推脱，请领导帮我们维权。", "就业社保"),
]


@pytest.fixture(scope="module")
def rules():
    return load_rules(PACKAGE_RULES_DIR)


def hand_model(weights: dict[str, dict[str, float]], classes: tuple[str, ...]) -> NgramModel:
    """A department model with the given feature -> {department: weight} and no bias."""
    grams = sorted(weights)
    table = np.array([[weights[g].get(c, 0.0) for c in classes] for g in grams], dtype=np.float64)
    return NgramModel({g: i for i, g in enumerate(grams)}, table, np.zeros(len(classes)), {}, classes)


@pytest.mark.parametrize("letter, department", LETTERS)
def test_a_letter_goes_to_the_department_its_whole_text_is_about(letter: str, department: str) -> None:
    result = intents.classify(letter)
    assert result.department == department
    model = [e for e in result.evidence if e["rule"] == "model.department"]
    assert model and model[0]["department"] == department and 0 < model[0]["weight"] <= 1


@pytest.mark.parametrize("text, department, category", [
    ("低保怎么申请", "民政", "低保救助"),       # the mailbox has no 民政: the model does not know it, the rules do
    ("楼道灯坏了一周没人修", "城建", "路灯与公共设施"),
    ("楼下饭店油烟太大了", "环保", "油烟与污染"),
    ("小区门口天天乱停车", "交通", "停车"),
])
def test_on_a_one_line_chat_message_the_rules_lead(text: str, department: str, category: str) -> None:
    result = intents.classify(text)
    assert (result.department, result.category) == (department, category)


def test_a_message_with_no_evidence_gets_no_department() -> None:
    for text in ("你好", "在吗", "谢谢你们"):
        assert intents.classify(text).department is None


def test_without_a_department_model_the_rules_decide_as_before(rules) -> None:
    plain = Classifier(rules)
    assert plain.classify("楼道灯坏了一周没人修").department == "城建"
    assert plain.classify("地铁什么时候开通").department == "交通"  # department keywords, no category
    assert plain.classify("你好").department is None
    assert not any(e["rule"].startswith("model.department") for e in plain.classify(LETTERS[0][0]).evidence)


def test_a_sure_model_overrides_the_category_default_and_the_category_follows_the_department(rules) -> None:
    # 停车 (default 交通) and 物业管理 (城建) both fire; a model sure of 城建 picks 城建 and then its own category
    text = "尊敬的领导，我们小区的物业公司擅自把公共区域划成停车位出租，收了停车费也不公开账目，业主多次反映都没有结果，" * 2
    model = hand_model({"物业": {"城建": 8.0}, "小区": {"城建": 8.0}}, ("城建", "交通"))
    result = Classifier(rules, None, model).classify(text)
    assert result.department == "城建" and result.category == "物业管理"
    rules_only = Classifier(rules).classify(text)
    assert (rules_only.category, rules_only.department) == ("停车", "交通")  # 停车位/停车费 weigh more than 物业公司


def test_a_department_the_model_lacks_is_left_to_the_rules(rules) -> None:
    model = hand_model({"申请": {"政务": 0.5}}, ("政务", "城建"))  # knows neither 民政 nor 应急消防
    result = Classifier(rules, None, model).classify("低保怎么申请，需要什么材料")
    assert result.department == "民政"
    assert any(e["rule"] == "model.department" and e["department"] == "民政" for e in result.evidence)


def test_with_no_rule_evidence_an_unsure_model_decides_nothing(rules) -> None:
    text = "尊敬的领导您好，有一件事情想向您反映一下，希望能够得到重视，盼复，谢谢您在百忙之中抽空阅读。"
    unsure = hand_model({"反映": {"政务": 0.1}}, ("政务", "城建", "交通"))
    sure = hand_model({"反映": {"政务": 30.0}}, ("政务", "城建", "交通"))
    assert Classifier(rules, None, unsure).classify(text).department is None
    assert Classifier(rules, None, sure).classify(text).department == "政务"


def test_models_keep_their_classes_through_save_and_load(tmp_path: Path) -> None:
    model = hand_model({"地铁": {"交通": 1.0}, "学校": {"教育": 1.0}}, ("交通", "教育"))
    path = tmp_path / "dept.json"
    model.save(path)
    loaded = NgramModel.load(path, classes=None)
    assert loaded.classes == ("交通", "教育")
    assert loaded.logits("地铁")[0].argmax() == 0
    with pytest.raises(ValueError, match="classes must be"):
        NgramModel.load(path)  # the intent model's loader insists on question / complaint_or_request / suggestion
    with pytest.raises(ValueError, match="do not fit"):
        NgramModel({"a": 0}, np.zeros((1, 2)), np.zeros(3), {}, ("x", "y"))


LABELLED = """text,type,domain
请问地铁十号线什么时候开通？沿线居民每天上下班都要换乘两次公交，非常不方便,咨询,交通
孩子明年上小学，想问一下学区是怎么划分的，需要准备哪些材料,咨询,教育
小区垃圾好几天没人清运，臭气熏天，希望有关部门尽快处理,投诉/求助,环保
公司拖欠我们三个月工资，老板跑路了，请帮帮我们,投诉/求助,就业
建议在社区多组织一些老年人活动,建言,
关于银行贷款利率的建议,建言,金融
"""


def test_eval_reports_departments_from_the_domain_column(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED, encoding="utf-8")
    result = CliRunner().invoke(classify, ["--eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    departments = json.loads(result.output)["departments"]
    assert departments["n"] == 4 and departments["skipped"] == 2  # a blank domain and 金融 (no department of ours)
    assert departments["per_class"]["就业社保"]["support"] == 1  # 就业 is mapped onto 就业社保
    assert departments["accuracy"] >= 0.75
    text = CliRunner().invoke(classify, ["--eval", str(path)]).output
    assert "departments (from the domain column; 2 rows" in text and "就业社保" in text


def test_eval_without_a_domain_column_has_no_department_figures(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text("text,type\n居住证怎么办理,咨询\n", encoding="utf-8")
    result = CliRunner().invoke(classify, ["--eval", str(path), "--json"])
    assert "departments" not in json.loads(result.output)


def test_training_writes_a_department_model_the_classifier_can_use(tmp_path: Path, rules) -> None:
    data = tmp_path / "letters.csv"
    rows = ["text,type,domain"]
    for n in range(6):
        rows += [f"地铁{n}号线公交站太远了希望增加班次,建言,交通", f"学校{n}班的老师布置作业太多了,投诉/求助,教育",
                 f"小区{n}号楼物业不管楼道卫生,投诉/求助,城建", f"这封信没有领域{n},咨询,"]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "dept.json"
    result = CliRunner().invoke(train_departments, ["--data", str(data), "--out", str(out), "--folds", "2",
                                                    "--blend", "0.2", "--max-features", "50"])
    assert result.exit_code == 0, result.output
    assert "rules_only" in result.output and "model_blend_0.2" in result.output
    model = NgramModel.load(out, classes=None)
    assert set(model.classes) == {"城建", "交通", "教育"} and model.meta["n_train"] == 18
    assert Classifier(rules, None, model).classify("地铁公交站太远了，希望增加班次，方便大家出行，" * 3).department == "交通"


def test_training_refuses_a_file_with_no_usable_domain(tmp_path: Path) -> None:
    data = tmp_path / "letters.csv"
    data.write_text("text,type,domain\n你好,咨询,\n", encoding="utf-8")
    result = CliRunner().invoke(train_departments, ["--data", str(data), "--out", str(tmp_path / "x.json")])
    assert result.exit_code != 0 and "no row has a domain" in result.output
    assert not (tmp_path / "x.json").exists()
