"""`linli faq import / export / ask` through click's runner against the test database."""

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import get_settings
from knowledge_base.cli import faq


@pytest.fixture
def run(db_url, monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, **kw: runner.invoke(faq, list(args), **kw)
    get_settings.cache_clear()


def test_import_ask_and_export(run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,question,answer,alternatives\n"
                   "C1,老年卡怎么办理？,带身份证到社区。,老年优待卡在哪办\n"
                   ",坏行,答案,\n"
                   "C2,电动车可以在楼道充电吗？,不可以。,电瓶车能推进楼里充电吗\n", encoding="utf-8")
    result = run("import", str(src))
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output and "第 3 行" in result.output

    result = run("ask", "--today", "2026-06-01", input="你好，老年优待卡在哪里办？\n\n地铁什么时候通车\n")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2
    assert lines[0]["answered"] is True and lines[0]["id"] == "C1" and lines[0]["outcome"] == "answer"
    assert lines[0]["candidates"][0] == {"id": "C1", "question": "老年卡怎么办理？", "score": lines[0]["candidates"][0]["score"]}
    assert lines[1]["answered"] is False and lines[1]["id"] is None and lines[1]["outcome"] == "unknown"
    assert isinstance(lines[1]["score"], (int, float))

    out = tmp_path / "out.xlsx"
    assert run("export", str(out)).exit_code == 0
    again = run("import", str(out))
    assert again.exit_code == 0 and "新增 0" in again.output and "未变 2" in again.output


def test_import_exits_non_zero_only_when_nothing_could_be_read(run, tmp_path):
    missing = run("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code != 0
    all_bad = tmp_path / "bad.csv"
    all_bad.write_text("id,question,answer\n,没有编号,答案\n", encoding="utf-8")
    assert run("import", str(all_bad)).exit_code != 0


def test_linli_finds_the_faq_group():
    from bot.cli import main

    result = CliRunner().invoke(main, ["faq", "--help"])
    assert result.exit_code == 0 and "import" in result.output and "ask" in result.output


def test_a_line_that_is_not_utf8_is_asked_with_a_replacement_character_and_the_rest_still_are(run):
    # before: the undecodable byte became a surrogate, which the unanswered log could not store, and every later
    # line of the batch was lost with the traceback
    # through `linli`, as an operator runs it: the group reads stdin that way for every subcommand
    result = CliRunner().invoke(main, ["faq", "ask", "--today", "2026-06-01"],
                                input=b"\xff\xfe\xe5\xb1\x85\xe4\xbd\x8f\xe8\xaf\x81\n" + "地铁什么时候通车\n".encode())
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2 and lines[1]["outcome"] == "unknown"
