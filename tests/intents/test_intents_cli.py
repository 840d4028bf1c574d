"""`linli classify` turns stdin lines into JSON lines and scores a labelled CSV with --eval."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from intents.cli import classify

LABELLED = """text,type,domain
请问居住证怎么办理？需要带什么材料,咨询,政务
社区医保什么时候开始交费？,咨询,医疗
楼上天天半夜装修吵得睡不着，投诉好几次没人管,投诉/求助,城建
小区垃圾好几天没人清运，臭气熏天,投诉/求助,环保
建议小区多装几个电动车充电桩,建言,城建
希望社区多组织一些老年人活动,建言,
"""


def test_stdin_lines_become_json_lines() -> None:
    result = CliRunner().invoke(classify, [], input="楼道灯坏了一周没人修\n\n你好\n楼下有煤气味\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["intent"] for r in rows] == ["service_request", "greeting", "emergency"]
    assert rows[0]["category"] == "路灯与公共设施" and rows[0]["department"] == "城建"
    assert {"intent", "category", "department", "confidence", "evidence"} <= set(rows[0])
    assert "楼道灯" in result.output  # ensure_ascii=False
    # what the resident is told at once shows only where there is some: the safety reply, the first aid
    assert "119" in rows[2]["safety_reply"] and "advice" not in rows[0] and "safety_reply" not in rows[0]
    bitten = json.loads(CliRunner().invoke(classify, [], input="被邻居家的狗咬了\n").output)
    assert bitten["intent"] == "complaint" and "狂犬病疫苗" in bitten["advice"]


def test_eval_prints_per_class_metrics_and_confusion(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED, encoding="utf-8")
    result = CliRunner().invoke(classify, ["--eval", str(path)])
    assert result.exit_code == 0, result.output
    for word in ("question", "complaint_or_request", "suggestion", "macro-F1", "confusion"):
        assert word in result.output


def test_eval_json_is_machine_readable(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED, encoding="utf-8")
    result = CliRunner().invoke(classify, ["--eval", str(path), "--json"])
    metrics = json.loads(result.output)
    assert metrics["n"] == 6
    assert sum(map(sum, metrics["confusion"])) == 6
    assert metrics["macro_f1"] >= 0.8
    assert set(metrics["per_class"]) == {"question", "complaint_or_request", "suggestion"}


def test_eval_refuses_csv_without_needed_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("message,label\n你好,咨询\n", encoding="utf-8")
    result = CliRunner().invoke(classify, ["--eval", str(path)])
    assert result.exit_code == 2
    assert "missing column" in result.output and "type" in result.output


def test_eval_reads_a_csv_that_excel_saved_as_gbk_the_same_as_utf8(tmp_path: Path) -> None:
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "gbk.csv"
    utf8.write_text(LABELLED, encoding="utf-8")
    gbk.write_bytes(LABELLED.encode("gbk"))
    results = [CliRunner().invoke(classify, ["--eval", str(path), "--json"]) for path in (utf8, gbk)]
    assert all(r.exit_code == 0 for r in results), results[1].output
    assert json.loads(results[0].output) == json.loads(results[1].output)
    assert json.loads(results[1].output)["departments"]["n"] >= 5  # the domain column read too


def test_eval_refuses_a_csv_in_neither_encoding_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"text,type\n\xff\xfe\x80,\xff\n")
    result = CliRunner().invoke(classify, ["--eval", str(path)])
    assert result.exit_code == 2 and "UTF-8" in result.output


def test_eval_refuses_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(classify, ["--eval", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2


def test_a_line_that_is_not_utf8_is_classified_with_a_replacement_character() -> None:
    # through `linli`, as an operator runs it: the group reads stdin that way for every subcommand
    result = CliRunner().invoke(main, ["classify"], input=b"\xff" + "楼下有煤气味\n你好\n".encode())
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["text"] == "\ufffd楼下有煤气味" and [r["intent"] for r in rows] == ["emergency", "greeting"]
