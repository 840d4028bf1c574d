"""Scoring against the mailbox labels: label mapping, per-class precision/recall/F1, macro-F1, confusion matrix."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from intents.text import decode_csv
from intents.types import MAIN_CLASSES

LABELS = {"咨询": "question", "投诉/求助": "complaint_or_request", "投诉": "complaint_or_request",
          "求助": "complaint_or_request", "建言": "suggestion", "建议": "suggestion"}

# The mailbox's domains (the `domain` column) as our department domains; our own names are accepted too. Blank or
# other domains (a ministry's name, 金融) are left out of the department figures, never an error.
DEPARTMENT_OF_DOMAIN = {"城建": "城建", "交通": "交通", "教育": "教育", "环保": "环保", "就业": "就业社保",
                        "医疗": "医疗卫生", "治安": "治安", "企业": "市场监管", "政务": "政务", "三农": "三农",
                        "文娱": "文旅", "旅游": "文旅", "就业社保": "就业社保", "医疗卫生": "医疗卫生",
                        "市场监管": "市场监管", "民政": "民政", "文旅": "文旅", "应急消防": "应急消防"}


class DataError(ValueError):
    """The evaluation CSV cannot be used (missing columns, unknown labels)."""


def _rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV saved as UTF-8 (with or without BOM) or, as Excel on Chinese Windows saves
    it, GBK (read as GB18030)."""
    decoded = decode_csv(Path(path).read_bytes())
    if decoded is None:
        raise DataError(f"{path}: neither UTF-8 nor GBK; save the CSV as UTF-8")
    reader = csv.DictReader(io.StringIO(decoded[0], newline=""))
    return list(reader.fieldnames or ()), list(reader)


def read_labelled(path: str | Path) -> tuple[list[str], list[str]]:
    """Texts and three-way gold labels from a CSV with columns text,type[,domain]."""
    header, rows = _rows(path)
    missing = {"text", "type"} - set(header)
    if missing:
        raise DataError(f"{path}: missing column(s) {sorted(missing)}; expected text,type[,domain]")
    texts, gold = [], []
    for line, row in enumerate(rows, start=2):
        label = LABELS.get((row["type"] or "").strip())
        if label is None:
            raise DataError(f"{path}:{line}: unknown type {row['type']!r}; expected one of {sorted(LABELS)}")
        texts.append(row["text"] or "")
        gold.append(label)
    return texts, gold


def read_departments(path: str | Path) -> tuple[list[str], list[str | None]]:
    """Texts and their department (from the `domain` column by DEPARTMENT_OF_DOMAIN; None when blank, unknown or
    when the file has no such column)."""
    _, rows = _rows(path)
    return ([row.get("text") or "" for row in rows],
            [DEPARTMENT_OF_DOMAIN.get((row.get("domain") or "").strip()) for row in rows])


def evaluate(gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str] = MAIN_CLASSES) -> dict[str, Any]:
    """Precision, recall, F1 and support per class, macro-F1, accuracy and the confusion matrix (rows = gold).

    Macro-F1 averages the classes that occur in `gold` or in `predicted`."""
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for g, p in zip(gold, predicted):
        matrix[index[g]][index[p]] += 1
    per_class = {}
    for c, i in index.items():
        tp = matrix[i][i]
        predicted_c = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        precision = tp / predicted_c if predicted_c else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                        "support": support}
    total = sum(map(sum, matrix))
    seen = {c: v for c, v in per_class.items() if v["support"] or sum(row[index[c]] for row in matrix)}
    return {"classes": list(classes), "per_class": per_class,
            "macro_f1": round(sum(v["f1"] for v in seen.values()) / len(seen), 4) if seen else 0.0,
            "accuracy": round(sum(matrix[i][i] for i in range(len(classes))) / total, 4) if total else 0.0,
            "confusion": matrix, "n": total}


NO_DEPARTMENT = "(none)"  # no department decided: a class of its own in the department figures, always a miss


def department_metrics(gold: Sequence[str], predicted: Sequence[str | None], departments: Sequence[str]) -> dict[str, Any]:
    """evaluate() over the departments, a message with no department counted under NO_DEPARTMENT."""
    return evaluate(gold, [p or NO_DEPARTMENT for p in predicted], (*departments, NO_DEPARTMENT))


def format_report(metrics: dict[str, Any]) -> str:
    """A plain-text table of the metrics and the confusion matrix."""
    classes = metrics["classes"]
    lines = [f"{'class':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for c in classes:
        m = metrics["per_class"][c]
        lines.append(f"{c:<22}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}{m['support']:>10}")
    lines.append(f"macro-F1 {metrics['macro_f1']:.4f}   accuracy {metrics['accuracy']:.4f}   n={metrics['n']}")
    lines.append("")
    lines.append("confusion (rows = gold, columns = predicted)")
    lines.append(f"{'':<22}" + "".join(f"{c[:20]:>22}" for c in classes))
    for c, row in zip(classes, metrics["confusion"]):
        lines.append(f"{c:<22}" + "".join(f"{v:>22}" for v in row))
    return "\n".join(lines)
