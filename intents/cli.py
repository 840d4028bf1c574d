"""`linli classify`: classify stdin lines to JSON lines, or score a labelled CSV with --eval."""

from __future__ import annotations

import json
import sys

import click

from intents.metrics import DataError, department_metrics, evaluate, format_report, read_departments, read_labelled

OUTPUT_FIELDS = ("intent", "category", "department", "handler_type", "urgency", "sla", "confidence",
                 "needs_clarification", "clarifying_question", "evidence")


@click.command()
@click.option("--eval", "eval_path", type=click.Path(dir_okay=False), default=None,
              help="score a CSV with columns text,type[,domain] (咨询 / 投诉/求助 / 建言; domain: the department figures)")
@click.option("--json", "as_json", is_flag=True, help="with --eval: print the metrics as JSON")
@click.option("--full", is_flag=True, help="without --eval: print every field of the classification")
def classify(eval_path: str | None, as_json: bool, full: bool) -> None:
    """Classify resident messages: one per line on stdin, one JSON object per line on stdout."""
    import intents

    if eval_path is None:
        for line in sys.stdin:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            result = intents.classify(text).to_dict()
            if not full:  # what the resident is told at once (safety, 110, first aid) shows only when there is some
                said = {k: result[k] for k in ("safety_reply", "redirect_reply", "advice") if result.get(k)}
                result = {"text": text, **{k: result[k] for k in OUTPUT_FIELDS}, **said}
            click.echo(json.dumps(result, ensure_ascii=False))
        return
    try:
        texts, gold = read_labelled(eval_path)
    except (DataError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    classifier = intents.default_classifier()
    results = [classifier.classify(t) for t in texts]
    metrics = evaluate(gold, [r.main_class for r in results])
    _, domains = read_departments(eval_path)
    known = [(d, r.department) for d, r in zip(domains, results) if d is not None]
    if known:
        metrics["departments"] = department_metrics([d for d, _ in known], [p for _, p in known], intents.departments())
        metrics["departments"]["skipped"] = len(texts) - len(known)
    if as_json:
        click.echo(json.dumps(metrics, ensure_ascii=False))
        return
    click.echo(format_report(metrics))
    if known:
        dep = metrics["departments"]
        click.echo(f"\ndepartments (from the domain column; {dep['skipped']} rows with a blank or unknown domain left out)")
        click.echo(format_report(dep).split("\n\nconfusion")[0])
