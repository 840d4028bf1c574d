"""Reading and writing FAQ files (CSV in UTF-8/BOM/GBK, or XLSX) as validated rows with line numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from intents.text import CSV_ENCODINGS, decode_csv

COLUMNS = ["id", "question", "answer", "alternatives", "keywords", "category", "department", "source",
           "effective_from", "effective_until", "status"]
ALIASES = {
    "id": ("id", "code", "编号", "序号", "问题编号"),
    "question": ("question", "问题", "标准问题", "标准问"),
    "answer": ("answer", "答案", "回答", "答复"),
    "alternatives": ("alternatives", "相似问法", "相似问题", "其他问法", "扩展问"),
    "keywords": ("keywords", "关键词", "关键字"),
    "category": ("category", "分类", "类别"),
    "department": ("department", "部门", "责任部门", "主管部门"),
    "source": ("source", "来源", "依据", "文号", "政策依据"),
    "effective_from": ("effective_from", "生效日期", "开始日期"),
    "effective_until": ("effective_until", "失效日期", "截止日期", "有效期至"),
    "status": ("status", "状态"),
}
_HEADER = {alias.lower(): name for name, aliases in ALIASES.items() for alias in aliases}
REQUIRED = ("id", "question", "answer")
LIMITS = {"id": 64, "category": 64, "department": 128, "source": 500}
_LIST_SPLIT = re.compile(r"[|｜;；\n]")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class UnreadableFile(ValueError):
    """The file could not be read at all (wrong format, encoding, or no id/question/answer header)."""


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in _LIST_SPLIT.split(str(value)) if part.strip()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"日期格式无法识别：{text}（请用 2025-01-31）")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"日期不存在：{text}") from None


_UNREADABLE_ROW = "含无法识别的字节（文件的其余部分是 {}），已跳过；请检查这一行后重新导入"


def _decode(raw: bytes) -> tuple[str, str, set[int]]:
    """The text of a CSV file, its encoding, and the physical lines (from 1) that encoding could not read.

    A file is read whole in UTF-8 (BOM or not) or else in GB18030, as before. A file that neither reads whole is
    read line by line in whichever of the two leaves fewer lines unreadable (a UTF-8 file with one broken cell,
    pasted from elsewhere), so that only those lines' rows are refused instead of the whole file.
    """
    whole = decode_csv(raw)
    if whole is not None:
        return *whole, set()
    lines = raw.split(b"\n")  # 0x0A is never part of a multibyte character in either encoding

    def unreadable(encoding: str) -> set[int]:
        bad = set()
        for number, line in enumerate(lines, 1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                bad.add(number)
        return bad

    # fewer unreadable lines wins (by count: sets compare by inclusion); on a tie, UTF-8
    bad, encoding = min(((unreadable(e), e) for e in CSV_ENCODINGS), key=lambda found: len(found[0]))
    if len(bad) * 2 > len(lines):
        raise UnreadableFile("编码无法识别（请保存为 UTF-8 或 GBK 的 CSV）")
    return raw.decode(encoding, errors="replace"), encoding, bad


def _rows_from_csv(path: Path) -> tuple[list[tuple[int, list[Any]]], dict[int, str]]:
    """The CSV's rows with the line each starts on, and the rows refused already (line: reason)."""
    text, encoding, bad_lines = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    out, refused, start = [], {}, 1
    name = "UTF-8" if encoding.startswith("utf") else "GBK"
    try:
        for row in reader:
            if bad_lines.intersection(range(start, reader.line_num + 1)):  # a quoted cell may span lines
                refused[start] = _UNREADABLE_ROW.format(name)
            else:
                out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 第 {start} 行无法解析：{exc}") from exc
    return out, refused


def _rows_from_xlsx(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise UnreadableFile(f"不是有效的 XLSX 文件：{exc}") from exc
    try:
        sheet = book.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


def read_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """Validated rows as (line, fields with `code`) and errors as (line, reason)."""
    if not path.exists():
        raise UnreadableFile(f"文件不存在：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw_rows, refused = _rows_from_xlsx(path), {}
    else:
        raw_rows, refused = _rows_from_csv(path)
    raw_rows = [(n, r) for n, r in raw_rows if any(_text(v) for v in r)]
    if refused and (not raw_rows or min(refused) < raw_rows[0][0]):  # the first line that says anything is the header
        raise UnreadableFile(f"第 {min(refused)} 行（表头）{refused[min(refused)]}")
    if not raw_rows:
        raise UnreadableFile("文件是空的")
    header_line, header = raw_rows[0]
    names = [_HEADER.get(_text(h).lower()) for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise UnreadableFile(f"第 {header_line} 行表头缺少列：{', '.join(missing)}")
    rows, errors, seen = [], list(refused.items()), {}
    present = {"id" if n == "id" else n for n in names if n}
    for line, values in raw_rows[1:]:
        record = {name: values[i] if i < len(values) else None for i, name in enumerate(names) if name}
        try:
            fields = _validate(record)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        if fields["code"] in seen:
            errors.append((line, f"编号 {fields['code']} 与第 {seen[fields['code']]} 行重复，已跳过"))
            continue
        seen[fields["code"]] = line
        # a column the file does not have leaves that field of an existing entry alone
        rows.append((line, {k: v for k, v in fields.items() if k in present or k == "code"}))
    return rows, sorted(errors)


def _validate(record: dict[str, Any]) -> dict[str, Any]:
    for name in REQUIRED:
        if not _text(record.get(name)):
            raise ValueError(f"缺少{ {'id': '编号 id', 'question': '问题 question', 'answer': '答案 answer'}[name] }")
    for name, limit in LIMITS.items():
        if len(_text(record.get(name))) > limit:
            raise ValueError(f"{name} 超过 {limit} 个字符")
    status = _text(record.get("status")).lower()
    status = {"已发布": "published", "发布": "published", "草稿": "draft", "停用": "retired", "已下线": "retired"}.get(status, status)
    if status and status not in ("draft", "published", "retired"):
        raise ValueError(f"状态无效：{status}（draft / published / retired）")
    start, until = parse_date(record.get("effective_from")), parse_date(record.get("effective_until"))
    if start and until and start > until:
        raise ValueError("生效日期晚于失效日期")
    fields = {
        "code": _text(record["id"]),
        "question": _text(record["question"]),
        "answer": _text(record["answer"]),
        "alternatives": split_list(_text(record.get("alternatives"))),
        "keywords": split_list(_text(record.get("keywords"))),
        "category": _text(record.get("category")) or None,
        "department": _text(record.get("department")) or None,
        "source": _text(record.get("source")) or None,
        "effective_from": start,
        "effective_until": until,
    }
    if status:
        fields["status"] = status
    return fields


def _cells(item: dict[str, Any]) -> list[str]:
    return [
        item["code"], item["question"], item["answer"], "|".join(item.get("alternatives") or []),
        "|".join(item.get("keywords") or []), item.get("category") or "", item.get("department") or "",
        item.get("source") or "", item.get("effective_from") or "", item.get("effective_until") or "",
        item.get("status") or "published",
    ]


def write_rows(path: Path, items: list[dict[str, Any]]) -> None:
    """Write entries (snapshots) in the import format."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "FAQ"
        sheet.append(COLUMNS)
        for item in items:
            sheet.append(_cells(item))
        book.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(_cells(item) for item in items)
