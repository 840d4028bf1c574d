"""`linli tickets`: JSON listing, show with timeline, and the workflow through the service, with clear refusals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import get_settings
from bot.models import utcnow


@pytest.fixture
def linli(org, db_url, monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, ["tickets", *args])
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    yield run
    get_settings.cache_clear()


def test_list_json_and_the_whole_workflow_from_the_command_line(org, linli):
    t = org.ticket()
    org.session.commit()
    rows = json.loads(linli("list", "--json"))
    assert [(r["number"], r["status"], r["kind"], r["category"], r["resident"], r["grid"]) for r in rows] == [
        (t.number, "submitted", "complaint", "路灯照明", "oResident001", "G01")]
    assert rows[0]["created_at"]
    assert json.loads(linli("list", "--json", "--grid", "G02")) == []
    assert json.loads(linli("list", "--json", "--as", "grid4")) == []

    linli("review", t.number, "--as", "grid1")
    linli("dispatch", t.number, "--to", "dept1", "--as", "chief1")
    linli("accept", t.number, "--as", "dept1")
    linli("extend", t.number, "--days", "2", "--reason", "等配件", "--approver", "chief1", "--as", "dept1")
    assert "resolved" in linli("resolve", t.number, "--resolution", "已修好", "--as", "dept1")
    assert "closed" in linli("survey", t.number, "--resolved", "--satisfaction", "5")
    shown = json.loads(linli("show", t.number, "--as", "community1"))
    assert [e["action"] for e in shown["timeline"]] == [
        "submit", "review", "dispatch", "accept", "extend", "resolve", "survey", "close"]
    assert shown["available_actions"] == ["reopen"]
    assert "dispatched" in linli("reopen", t.number, "--reason", "又坏了", "--as", "community1")
    assert json.loads(linli("list", "--json", "--status", "dispatched"))[0]["number"] == t.number


def test_bad_input_gives_a_clear_message_and_a_non_zero_exit(org, linli):
    t = org.ticket()
    org.session.commit()
    assert "没有编号为 nope" in linli("show", "nope", ok=False)
    assert "没有用户名为 ghost" in linli("review", t.number, "--as", "ghost", ok=False)
    assert "不在您的负责范围内" in linli("review", t.number, "--as", "grid4", ok=False)
    assert "不在您的负责范围内" in linli("accept", t.number, "--as", "dept1", ok=False)
    assert "不能执行 close" in linli("close", t.number, "--as", "community1", ok=False)
    assert "须说明理由" in linli("review", t.number, "--reject", "--as", "grid1", ok=False)
    linli("review", t.number, "--as", "grid1")
    assert "没有代码为 D-XX" in linli("dispatch", t.number, "--dept", "D-XX", "--as", "chief1", ok=False)
    assert "不是有效的时间" in linli("dispatch", t.number, "--to", "dept1", "--deadline", "明天", "--as", "chief1", ok=False)
    assert "under_review" in json.loads(linli("show", t.number))["status"]  # nothing half-done


def _extended_to(linli, number: str) -> datetime:
    shown = json.loads(linli("show", number))
    return datetime.fromisoformat(shown["deadline_at"])


def test_extend_by_days_counts_from_the_deadline_or_from_now_when_already_late(org, linli):
    on_time = org.ticket(now=utcnow())
    late = org.ticket(building="2号楼", now=utcnow() - timedelta(days=30))  # its 7-day deadline passed long ago
    org.session.commit()
    for t in (on_time, late):
        linli("review", t.number, "--as", "grid1")
        linli("dispatch", t.number, "--to", "dept1", "--as", "chief1")
        linli("accept", t.number, "--as", "dept1")
    before = _extended_to(linli, on_time.number)
    linli("extend", on_time.number, "--days", "2", "--reason", "等配件", "--approver", "chief1", "--as", "dept1")
    assert _extended_to(linli, on_time.number) - before == timedelta(days=2)

    started = utcnow()
    linli("extend", late.number, "--days", "2", "--reason", "等配件", "--approver", "chief1", "--as", "dept1")
    extended = _extended_to(linli, late.number)
    assert started + timedelta(days=2) <= _aware(extended) <= utcnow() + timedelta(days=2)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
