"""FAQ services for the dialogue and the admin pages: ask, edit with versions, import/export, unanswered log, hits."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, select

from bot.db import count_later, dialect_insert
from bot.models import beijing_today, utcnow
from knowledge_base import files
from knowledge_base.matcher import ANSWER, UNKNOWN, FaqDoc, FaqIndex, Match, Thresholds, normalize
from knowledge_base.matcher import menu_text as _menu_text
from knowledge_base.models import STATUSES, FaqEntry, FaqEntryVersion, UnansweredQuestion

DEMO_FILE = Path(__file__).parent / "data" / "demo_faq.csv"
DEMO_SOURCE = "演示数据（非官方政策）"
DEMO_NOTE = "（演示内容，非官方政策，具体以当地部门公布为准。）"
EDITABLE = ("question", "alternatives", "keywords", "answer", "category", "department", "source",
            "effective_from", "effective_until", "status")
STAMP_CHECK_SECONDS = 1.0


class FaqError(ValueError):
    """A request the FAQ cannot carry out (unknown code, duplicate code, bad status)."""


# ---- the index the bot matches against ---------------------------------------------------------

@dataclass
class _Cached:
    stamp: tuple
    index: FaqIndex
    checked_at: float
    generation: int


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()
_generation = 0  # bumped by every write made through this module, so this process never waits a second


def _bump() -> None:
    global _generation
    _generation += 1


def _stamp(session: Session) -> tuple:
    row = session.exec(select(func.count(FaqEntry.id), func.max(FaqEntry.updated_at), func.sum(FaqEntry.version))).one()
    return tuple(str(v) for v in row)


def to_doc(entry: FaqEntry) -> FaqDoc:
    return FaqDoc(
        code=entry.code, question=entry.question, answer=entry.answer, alternatives=tuple(entry.alternatives or ()),
        keywords=tuple(entry.keywords or ()), category=entry.category, department=entry.department,
        source=entry.source, effective_from=entry.effective_from, effective_until=entry.effective_until,
        status=entry.status,
    )


def get_index(session: Session, *, thresholds: Thresholds | None = None) -> FaqIndex:
    """The matcher index for this database, rebuilt only when entries changed (checked at most once a second)."""
    key = str(session.get_bind().url)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached and thresholds is None and cached.generation == _generation and now - cached.checked_at < STAMP_CHECK_SECONDS:
        return cached.index
    stamp = _stamp(session)
    if cached and thresholds is None and cached.stamp == stamp:
        cached.checked_at, cached.generation = now, _generation
        return cached.index
    with _lock:
        entries = session.exec(select(FaqEntry).where(FaqEntry.status == "published")).all()
        index = FaqIndex.build([to_doc(e) for e in entries], thresholds)
        if thresholds is None:
            _cache[key] = _Cached(stamp, index, now, _generation)
    return index


# ---- asking ------------------------------------------------------------------------------------

def ask(session: Session, text: str, *, channel: str | None = None, user_id: str | None = None,
        today: date | None = None, log_unknown: bool = True) -> Match:
    """Match a resident's question; count a hit on an answer, log the question when unknown (caller commits).

    Both writes are in the session's transaction at once (no flush of anything else the caller has pending).
    `log_unknown=False` for text that is not a question the FAQ missed (an errand tried against it first)."""
    match = get_index(session).match(text, today=today or beijing_today())
    if match.outcome == ANSWER:
        record_hit(session, code=match.code)
    elif match.outcome == UNKNOWN and log_unknown:  # the row itself is not needed: no read back
        _note_unanswered(session, text=text, channel=channel, user_id=user_id, reason=None,
                         best_code=match.candidates[0].code if match.candidates else None)
    return match


def reject_menu(session: Session, *, text: str, channel: str | None = None,
                user_id: str | None = None) -> UnansweredQuestion | None:
    """The resident said none of the menu fits: log their question as unanswered with reason "menu" (caller commits)."""
    return log_unanswered(session, text=text, channel=channel, user_id=user_id, reason="menu")


_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


ONE_CHOICE_YES = {"是", "是的", "对", "对的", "对对", "嗯", "嗯嗯", "好", "好的", "要", "是这个", "就是这个", "对就是这个",
                  "没错", "是啊", "对啊", "是呀", "对呀", "yes", "ok"}


def choose(session: Session, *, codes: list[str], reply: str) -> FaqEntry | None:
    """The entry a resident picked from a menu ("2", "２", "第二个"), counted as a hit; None if not a pick."""
    text = reply.strip().translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)})
    text = text.removeprefix("第").removesuffix("个").removesuffix("条").removesuffix("。").strip()
    number = int(text) if text.isdigit() else _DIGITS.get(text)
    if number is None and len(codes) == 1 and text.strip("!！~") in ONE_CHOICE_YES:  # 「您是想问「…」吗？」 「是的」
        number = 1
    if not number or not 1 <= number <= len(codes):
        return None
    entry = get_entry(session, code=codes[number - 1])
    if entry is None or entry.status != "published":
        return None
    record_hit(session, code=entry.code)
    session.expire(entry, ["hit_count", "last_hit_at"])  # the count was raised in SQL: read it again when asked
    return entry


_entries = FaqEntry.__table__
_HIT = (update(_entries).where(_entries.c.code == bindparam("hit_code"))
        .values(hit_count=_entries.c.hit_count + bindparam("hit_n"), last_hit_at=bindparam("hit_at")))


def record_hit(session: Session, *, code: str) -> None:
    """Count one answer given from entry `code` (also used when a resident picks it from a menu).

    In the message processor's batch the hit is counted in memory and written with the batch (`write_hits`);
    elsewhere it is written at once."""
    if not count_later(session, write_hits, code):
        write_hits(session, {code: 1})


def write_hits(session: Session, counts: Mapping[str, int]) -> None:
    """Add `n` hits to each entry code: `hit_count = hit_count + n` in SQL (right with several processes), in
    code order (rows are locked in the same order by every process on PostgreSQL), one executemany.

    A Core statement built once: the ORM's bulk update would also search the session for rows to refresh."""
    at = utcnow()
    rows = [{"hit_code": code, "hit_n": n, "hit_at": at} for code, n in sorted(counts.items()) if n]
    if rows:
        session.connection().execute(_HIT, rows[0] if len(rows) == 1 else rows)


_unanswered = UnansweredQuestion.__table__


@lru_cache(maxsize=4)
def _upsert_unanswered(dialect: str):  # noqa: ANN202
    """INSERT … ON CONFLICT (normalized) DO UPDATE count = count + 1 … RETURNING id, built once per dialect."""
    stmt = dialect_insert(dialect)(_unanswered)
    return stmt.on_conflict_do_update(
        index_elements=[_unanswered.c.normalized],
        set_={"count": _unanswered.c.count + 1, "last_asked_at": stmt.excluded.last_asked_at, "resolved": False},
    ).returning(_unanswered.c.id)


def _note_unanswered(session: Session, *, text: str, channel: str | None, user_id: str | None,
                     best_code: str | None, reason: str | None) -> int | None:
    """One upsert (no ORM flush, no SAVEPOINT): the id of the logged question, None for empty text."""
    if reason:
        channel = (f"{channel}|{reason}" if channel else reason)[:16]
    key = normalize(text)[:255]
    if not key:
        return None
    now = utcnow()
    conn = session.connection()
    return conn.execute(_upsert_unanswered(conn.dialect.name), {
        "normalized": key, "text": text.strip()[:2000], "channel": channel,
        "user_hash": hashlib.sha256(user_id.encode()).hexdigest() if user_id else None,
        "count": 1, "best_code": best_code, "resolved": False, "created_at": now, "last_asked_at": now,
    }).scalar_one()


def log_unanswered(session: Session, *, text: str, channel: str | None = None, user_id: str | None = None,
                   best_code: str | None = None, reason: str | None = None) -> UnansweredQuestion | None:
    """Add a question to the unanswered log, or count it again when the same (normalised) question is there.

    `reason` ("menu": the resident rejected a menu) is kept in `channel` as "wechat|menu" (16 characters at most)
    so staff see why; the table is unchanged. One INSERT … ON CONFLICT DO UPDATE, safe against another process
    logging the same question at the same moment."""
    row_id = _note_unanswered(session, text=text, channel=channel, user_id=user_id, best_code=best_code,
                              reason=reason)
    if row_id is None:
        return None
    return session.get(UnansweredQuestion, row_id, populate_existing=True)


# ---- texts the dialogue sends ------------------------------------------------------------------

def is_demo(entry: FaqEntry | FaqDoc) -> bool:
    return bool(entry.source and "演示" in entry.source)


def answer_text(entry: FaqEntry | FaqDoc | Session, code: str | None = None) -> str:
    """The reply for an answered entry: the answer, its source, and a demo notice when it is demo content.

    Takes the entry, or a session and the entry's code: `answer_text(session, match.code)`.
    """
    if isinstance(entry, Session):
        found = get_entry(entry, code=code)
        if found is None:
            raise FaqError(f"no entry {code}")
        entry = found
    parts = [entry.answer.strip()]
    if entry.effective_until:
        parts.append(f"（本政策有效期至{entry.effective_until:%Y年%m月%d日}）")
    if entry.source and not is_demo(entry):
        parts.append(f"依据：{entry.source}")
    if is_demo(entry) and "演示" not in entry.answer:
        parts.append(DEMO_NOTE)
    return "\n".join(parts)


def menu_text(match: Match) -> str:
    """"您是想问：1. … 2. …" for a menu outcome; the codes in order are `match.menu_codes`."""
    return _menu_text(match)


def unknown_text() -> str:
    return "抱歉，这个问题我暂时答不上来，已记录下来请工作人员补充。您可以换个说法再问，或回复“人工”转工作人员。"


def reply_text(session: Session, match: Match) -> str:
    """The whole reply for a Match: answer, menu or an honest 'I don't know'."""
    if match.outcome == ANSWER:  # the entry as the index that matched it has it: no second query
        doc = get_index(session).get(match.code)
        return answer_text(doc) if doc is not None else answer_text(session, match.code)
    if match.outcome == "menu":
        return menu_text(match)
    return unknown_text()


# ---- editing (admin) ---------------------------------------------------------------------------

def snapshot(entry: FaqEntry) -> dict[str, Any]:
    data = {name: getattr(entry, name) for name in ("code", *EDITABLE, "version")}
    for name in ("effective_from", "effective_until"):
        data[name] = data[name].isoformat() if data[name] else None
    data["alternatives"], data["keywords"] = list(entry.alternatives or []), list(entry.keywords or [])
    return data


def _record(session: Session, entry: FaqEntry, *, change: str, by: str | None) -> None:
    session.add(FaqEntryVersion(entry_id=entry.id, version=entry.version, snapshot=snapshot(entry),
                                changed_by=by, change=change))


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in EDITABLE}
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise FaqError(f"unknown fields: {', '.join(sorted(unknown))}")
    for name in ("alternatives", "keywords"):
        if name in out:
            out[name] = files.split_list(out[name]) if isinstance(out[name], str) else [str(x).strip() for x in out[name] or [] if str(x).strip()]
    if "status" in out and out["status"] not in STATUSES:
        raise FaqError(f"status must be one of {STATUSES}")
    for name in ("question", "answer"):
        if name in out and not (out[name] or "").strip():
            raise FaqError(f"{name} must not be empty")
    return out


def get_entry(session: Session, *, code: str) -> FaqEntry | None:
    return session.exec(select(FaqEntry).where(FaqEntry.code == code)).first()


def create_entry(session: Session, *, code: str, question: str, answer: str, by: str | None = None,
                 commit: bool = True, **fields: Any) -> FaqEntry:
    """Add an entry (published unless status says otherwise) with its first version snapshot."""
    if get_entry(session, code=code):
        raise FaqError(f"entry {code} already exists")
    data = _clean({"question": question, "answer": answer, **fields})
    entry = FaqEntry(code=code, updated_by=by, **data)
    session.add(entry)
    session.flush()
    _record(session, entry, change="create", by=by)
    _bump()
    if commit:
        session.commit()
    return entry


def _apply(session: Session, entry: FaqEntry, data: dict[str, Any], *, change: str, by: str | None) -> bool:
    changed = {k: v for k, v in data.items() if getattr(entry, k) != v}
    if not changed:
        return False
    for k, v in changed.items():
        setattr(entry, k, v)
    entry.version += 1
    entry.updated_at, entry.updated_by = utcnow(), by
    session.add(entry)
    session.flush()
    _record(session, entry, change=change, by=by)
    _bump()
    return True


def update_entry(session: Session, *, code: str, by: str | None = None, commit: bool = True, **fields: Any) -> FaqEntry:
    """Change an entry; a new version (with snapshot) only when something actually changed."""
    entry = get_entry(session, code=code)
    if entry is None:
        raise FaqError(f"no entry {code}")
    _apply(session, entry, _clean(fields), change="update", by=by)
    if commit:
        session.commit()
    return entry


def retire_entry(session: Session, *, code: str, by: str | None = None) -> FaqEntry:
    """Stop answering from an entry; it stays for history and can be published again."""
    entry = get_entry(session, code=code)
    if entry is None:
        raise FaqError(f"no entry {code}")
    _apply(session, entry, {"status": "retired"}, change="retire", by=by)
    session.commit()
    return entry


def list_entries(session: Session, *, status: str | None = None, category: str | None = None,
                 search: str | None = None, limit: int = 100, offset: int = 0) -> list[FaqEntry]:
    query = select(FaqEntry)
    if status:
        query = query.where(FaqEntry.status == status)
    if category:
        query = query.where(FaqEntry.category == category)
    if search:
        like = f"%{search}%"
        query = query.where(FaqEntry.code.like(like) | FaqEntry.question.like(like) | FaqEntry.answer.like(like))
    return list(session.exec(query.order_by(FaqEntry.code).offset(offset).limit(limit)).all())


def entry_versions(session: Session, *, code: str) -> list[FaqEntryVersion]:
    entry = get_entry(session, code=code)
    if entry is None:
        return []
    query = select(FaqEntryVersion).where(FaqEntryVersion.entry_id == entry.id).order_by(FaqEntryVersion.version)
    return list(session.exec(query).all())


# ---- staff views: unanswered log and hits ------------------------------------------------------

def list_unanswered(session: Session, *, resolved: bool | None = False, limit: int = 100) -> list[UnansweredQuestion]:
    """The unanswered log, most asked first."""
    query = select(UnansweredQuestion)
    if resolved is not None:
        query = query.where(UnansweredQuestion.resolved == resolved)
    query = query.order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_asked_at.desc())
    return list(session.exec(query.limit(limit)).all())


def entry_from_unanswered(session: Session, *, unanswered_id: int, code: str, answer: str, question: str | None = None,
                          status: str = "draft", by: str | None = None, **fields: Any) -> FaqEntry:
    """Turn a logged question into a new entry (its text kept as an alternative) and mark it resolved."""
    row = session.get(UnansweredQuestion, unanswered_id)
    if row is None:
        raise FaqError(f"no unanswered question {unanswered_id}")
    alternatives = list(fields.pop("alternatives", []) or [])
    if question and question.strip() != row.text.strip():
        alternatives.insert(0, row.text.strip())
    entry = create_entry(session, code=code, question=question or row.text.strip(), answer=answer, status=status,
                         by=by, alternatives=alternatives, commit=False, **fields)
    row.resolved, row.entry_id = True, entry.id
    session.add(row)
    session.commit()
    return entry


def hit_stats(session: Session, *, limit: int = 50, include_unused: bool = False) -> list[dict[str, Any]]:
    """Entries by how often they answered residents: code, question, hit_count, last_hit_at."""
    query = select(FaqEntry)
    if not include_unused:
        query = query.where(FaqEntry.hit_count > 0)
    query = query.order_by(FaqEntry.hit_count.desc(), FaqEntry.code).limit(limit)
    return [{"code": e.code, "question": e.question, "hit_count": e.hit_count, "last_hit_at": e.last_hit_at,
             "status": e.status} for e in session.exec(query).all()]


# ---- import / export ---------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = None  # (line number, reason)

    def __post_init__(self) -> None:
        self.errors = self.errors or []

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:  # "FAQ: 65 demo entries"
        return str(self.imported)


def import_file(session: Session, *, path: str | Path, by: str | None = "import") -> ImportReport:
    """Create or update entries from a CSV/XLSX file; bad rows are reported by line, good rows still imported.

    Raises files.UnreadableFile when the file cannot be read at all.
    """
    rows, errors = files.read_rows(Path(path))
    return import_rows(session, rows=rows, errors=errors, by=by)


def import_rows(session: Session, *, rows: list[tuple[int, dict[str, Any]]], errors: list[tuple[int, str]] | None = None,
                by: str | None = "import") -> ImportReport:
    report = ImportReport(errors=list(errors or []))
    existing = {e.code: e for e in session.exec(select(FaqEntry)).all()}
    for line, row in rows:
        code = row.pop("code")
        entry = existing.get(code)
        if entry is None:
            row.setdefault("status", "published")
            entry = FaqEntry(code=code, updated_by=by, **row)
            session.add(entry)
            session.flush()
            _record(session, entry, change="import", by=by)
            existing[code] = entry
            report.created += 1
        elif _apply(session, entry, row, change="import", by=by):
            report.updated += 1
        else:
            report.unchanged += 1
    _bump()
    session.commit()
    report.errors.sort()
    return report


def export_file(session: Session, *, path: str | Path, include_retired: bool = True) -> int:
    """Write every entry to CSV (UTF-8 with BOM, opens in Excel) or XLSX, by the file's extension."""
    query = select(FaqEntry).order_by(FaqEntry.code)
    if not include_retired:
        query = query.where(FaqEntry.status != "retired")
    entries = session.exec(query).all()
    files.write_rows(Path(path), [snapshot(e) for e in entries])
    return len(entries)


def load_demo(session: Session) -> ImportReport:
    """Import the invented demo FAQ (idempotent: a second call changes nothing)."""
    return import_file(session, path=DEMO_FILE, by="demo")
