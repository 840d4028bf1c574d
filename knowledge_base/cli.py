"""`linli faq`: import, export, ask (one JSON line per question), eval, demo, unanswered and hit statistics."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

import click


@contextmanager
def _session():
    from sqlmodel import Session

    from bot.config import get_settings
    from bot.db import engine_for, upgrade

    url = get_settings().database_url
    upgrade(url)
    with Session(engine_for(url), expire_on_commit=False) as session:
        yield session


@click.group()
def faq() -> None:
    """Policy FAQ: import/export the knowledge base, ask it questions, evaluate the matcher."""


@faq.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def import_(path: str) -> None:
    """Import a CSV or XLSX file (id,question,answer[,alternatives,keywords,...]); re-importing updates."""
    from knowledge_base import service
    from knowledge_base.files import UnreadableFile

    with _session() as session:
        try:
            report = service.import_file(session, path=path)
        except UnreadableFile as exc:
            click.echo(f"无法读取 {path}：{exc}", err=True)
            sys.exit(2)
    for line, reason in report.errors:
        click.echo(f"第 {line} 行：{reason}", err=True)
    click.echo(f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，错误 {len(report.errors)}")
    if report.imported == 0 and report.errors:
        sys.exit(1)


@faq.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--no-retired", is_flag=True, help="Leave retired entries out.")
def export(path: str, no_retired: bool) -> None:
    """Export every entry to CSV or XLSX (by the file's extension), in the import format."""
    from knowledge_base import service

    with _session() as session:
        count = service.export_file(session, path=path, include_retired=not no_retired)
    click.echo(f"导出 {count} 条到 {path}")


@faq.command("ask")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Match as of this date [default: today in Beijing].")
@click.option("--no-log", is_flag=True, help="Do not record hits or unanswered questions.")
def ask(today, no_log: bool) -> None:
    """Read one question per line on stdin; print one JSON object per line."""
    from knowledge_base import service

    from bot.models import beijing_today

    day = today.date() if today else beijing_today()
    with _session() as session:
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            if no_log:
                match = service.get_index(session).match(text, today=day)
            else:
                match = service.ask(session, text, channel="cli", today=day)
                session.commit()
            click.echo(json.dumps({
                "answered": match.answered,
                "outcome": match.outcome,
                "id": match.code,
                "score": round(match.score, 4),
                "candidates": [{"id": c.code, "question": c.question, "score": c.score} for c in match.candidates],
            }, ensure_ascii=False))


@faq.command("demo")
def demo() -> None:
    """Load the invented demo FAQ (idempotent)."""
    from knowledge_base import service

    with _session() as session:
        report = service.load_demo(session)
    click.echo(f"演示数据：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}")


@faq.command("unanswered")
@click.option("--limit", default=30, show_default=True)
def unanswered(limit: int) -> None:
    """The questions Linli could not answer, most asked first."""
    from knowledge_base import service

    with _session() as session:
        for row in service.list_unanswered(session, limit=limit):
            click.echo(f"{row.id}\t{row.count}\t{row.last_asked_at:%Y-%m-%d}\t{row.text}")


@faq.command("hits")
@click.option("--limit", default=30, show_default=True)
def hits(limit: int) -> None:
    """Entries by how often they answered residents."""
    from knowledge_base import service

    with _session() as session:
        for row in service.hit_stats(session, limit=limit):
            click.echo(f"{row['code']}\t{row['hit_count']}\t{row['question']}")


@faq.command("eval")
@click.option("--entries", default=2000, show_default=True, help="Size of the synthetic FAQ.")
@click.option("--messages", default="/work/shared/data/messages_dev.csv", show_default=True,
              help="CSV of real messages (type 咨询) used as uncovered consultations, if it exists.")
@click.option("--seed", default=7, show_default=True)
@click.option("--official/--no-official", default=True, show_default=True,
              help="Also score the official-style FAQ (TRAIN, TEST, FRESH and FOURTH resident rules, seed 11) and "
                   "follow-up questions asked against it.")
@click.option("--fifth/--no-fifth", default=False, show_default=True,
              help="Also score the fifth set (its own official FAQ and resident generator, seed 11), and its FAQ asked plainly.")
@click.option("--sixth/--no-sixth", default=False, show_default=True,
              help="Also score the sixth set (independent official FAQ, plain/chat/hard resident tiers, seed 23).")
@click.option("--seventh/--no-seventh", default=False, show_default=True,
              help="Also score the seventh set (hand-written FAQ and queries; dev and test halves of its services).")
def eval_(entries: int, messages: str, seed: int, official: bool, fifth: bool, sixth: bool, seventh: bool) -> None:
    """Measure accuracy on a synthetic FAQ with resident-style paraphrases and on uncovered real questions."""
    from knowledge_base import evaluate

    report = {"synthetic": evaluate.run(entries=entries, messages_path=messages, seed=seed)}
    if official:
        for rules in ("train", "test", "fresh", "fourth"):
            report[f"official_{rules}"] = evaluate.run_official(entries=entries, messages_path=messages, rules=rules)
        from knowledge_base.eval_follow_up import run_follow_ups

        report["official_follow_ups"] = run_follow_ups(entries=entries)
    if fifth:
        report["fifth"] = evaluate.run_fifth(messages_path=messages)
        report["fifth_plain"] = evaluate.run_fifth_plain()
    if sixth:
        from knowledge_base.eval_sixth import run_sixth

        report["sixth"] = {tier: run_sixth(tier=tier, messages_path=messages) for tier in ("plain", "chat", "hard")}
    if seventh:
        from knowledge_base.eval_seventh import run_seventh

        report["seventh"] = {half: run_seventh(half=half) for half in ("dev", "test")}
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
