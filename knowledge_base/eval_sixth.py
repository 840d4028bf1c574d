"""SIXTH: an independent evaluation set for the FAQ matcher.

A government-style FAQ of about 2,000 entries over some 160 services (codes S6xxxx, answers marked as synthetic) and
residents' questions in three tiers (plain / chat / hard), generated from each entry's service and what it asks, not
by editing the official question.  Every 10th entry is held out of the index: its questions are uncovered, so any
answer to them is wrong.  Written without reading the matcher or the other evaluation sets; it uses only FaqDoc,
FaqIndex.build and FaqIndex.match.  Everything is invented (「合成数据，非真实政策」); no personal data.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from knowledge_base.eval_sixth_data import (
    ASPECT_EXTRA,
    ASPECTS,
    CHAT_CONTEXT,
    CHAT_ENDINGS,
    CHAT_OPENERS,
    DIALECTS,
    HARD_INTROS,
    HARD_OPENERS,
    HARD_SECOND,
    HARD_STORIES,
    KIND_LETTER,
    OFFICIAL_VERB,
    RESIDENT_VERB,
    SERVICES,
    TYPOS,
)

SYNTHETIC = "【合成数据，非真实政策】"
TIERS = ("plain", "chat", "hard")
TODAY = date(2025, 6, 2)
_PUNCT = re.compile(r"[，。？！、,.?!；;：:～~“”「」《》（）()\s\[\]]")


@dataclass(frozen=True)
class Service:
    full: str
    shorts: tuple[str, ...]
    colloquial: tuple[str, ...]  # "~" prefix: a verb phrase
    description: str
    kind: str
    domain: str
    regulation: str

    @property
    def letter(self) -> str:
        return KIND_LETTER[self.kind]

    @property
    def official_names(self) -> tuple[str, ...]:
        return (self.full, *[s for s in self.shorts if s != self.full])


@dataclass(frozen=True)
class Entry:
    code: str
    question: str
    answer: str
    service: Service
    aspect: str

    @property
    def category(self) -> str:
        return self.service.domain


def services() -> list[Service]:
    out = []
    for line in SERVICES.strip().splitlines():
        full, shorts, colloq, desc, kind, domain, reg = line.split("|")
        out.append(Service(full, tuple(s for s in shorts.split(",") if s), tuple(c for c in colloq.split(",") if c),
                           desc, kind, domain, reg))
    return out


def _usable(templates: list[str], svc: Service) -> list[str]:
    """Templates that apply to this service (kind prefix; "R|" needs a regulation)."""
    out = []
    for t in templates:
        if "|" in t:
            cond, body = t.split("|", 1)
            if cond == "R":
                if not svc.regulation:
                    continue
            elif svc.letter not in cond:
                continue
            t = body
        out.append(t)
    return out


def _aspects_for(svc: Service) -> list[str]:
    return [a for a, spec in ASPECTS.items()
            if svc.letter in spec["kinds"] or svc.full in ASPECT_EXTRA.get(a, ())]


def _specific(aspect: str) -> bool:
    """Aspects only some services have (payment, validity, standard...): an FAQ asks these more often."""
    return len(ASPECTS[aspect]["kinds"]) <= 5


def _official_question(svc: Service, aspect: str, rng: random.Random) -> str:
    spec = ASPECTS[aspect]
    template = rng.choice(_usable(spec["official"], svc))
    short = rng.choice(svc.official_names)
    q = template.format(F=svc.full, S=short, V=rng.choice(OFFICIAL_VERB[svc.kind]), R=svc.regulation)
    roll = rng.random()
    if roll < 0.05 and svc.regulation and "《" not in q and q.endswith("？"):
        q = f"根据《{svc.regulation}》，{q}"
    elif roll < 0.09:
        q = "问：" + q
    elif roll < 0.12 and q.endswith("？"):
        q = q[:-1] + "?"
    return q


def sixth_faq(seed: int = 23) -> list[Entry]:
    """About 2,000 official entries, grouped by service the way an exported knowledge base is."""
    rng = random.Random(seed)
    svcs = services()
    rng.shuffle(svcs)
    entries: list[Entry] = []
    for svc in svcs:
        aspects = _aspects_for(svc)
        core = [a for a in ("materials", "conditions", "process") if a in aspects]
        rest = [a for a in aspects if a not in core]
        # weighted order without replacement (specific aspects five times as likely to be chosen early)
        rest.sort(key=lambda a: rng.random() ** (1 / (5 if _specific(a) else 1)), reverse=True)
        count = min(len(aspects), rng.randint(9, 16))
        chosen = core[: rng.randint(2, 3)] + rest
        chosen = chosen[:count]
        for aspect in chosen:
            q = _official_question(svc, aspect, rng)
            answer = SYNTHETIC + ASPECTS[aspect]["answer"].format(F=svc.full, V=OFFICIAL_VERB[svc.kind][0])
            entries.append(Entry("", q, answer, svc, aspect))
    return [Entry(f"S6{i + 1:04d}", e.question, e.answer, e.service, e.aspect) for i, e in enumerate(entries)]


def held_out_codes(faq: list[Entry]) -> set[str]:
    return {e.code for i, e in enumerate(faq) if i % 10 == 9}


def sixth_docs(faq: list[Entry], held_out: set[str]):
    """The FaqDocs the index is built from: every entry but the held-out ones (question, answer, category only,
    as a plain CSV export of a government knowledge base would have)."""
    from knowledge_base.matcher import FaqDoc

    return [FaqDoc(code=e.code, question=e.question, answer=e.answer, category=e.category)
            for e in faq if e.code not in held_out]


# ------------------------------------------------------------------------------------------------- residents


def _resident_verb_name(svc: Service, name: str, rng: random.Random) -> tuple[str, str]:
    """(noun form, verb + name) of a resident's name for the service."""
    if name.startswith("~"):
        bare = name[1:]
        return bare, bare
    return name, rng.choice(RESIDENT_VERB[svc.kind]) + name


def _fill(template: str, n: str, vn: str) -> str:
    return template.replace("{vn}", vn).replace("{n}", n)


def _typo(text: str, rng: random.Random) -> str:
    found = [w for w in TYPOS if w in text]
    if not found:
        return text
    w = rng.choice(found)
    positions = [m.start() for m in re.finditer(re.escape(w), text)]
    pos = rng.choice(positions)
    return text[:pos] + TYPOS[w] + text[pos + len(w):]


def _plain(svc: Service, aspect: str, rng: random.Random) -> str:
    name = rng.choice(svc.official_names)
    n, vn = _resident_verb_name(svc, name, rng)
    t = rng.choice(_usable(ASPECTS[aspect]["plain"], svc))
    q = _fill(t, n, vn)
    return q + rng.choice(["？", "？", "", "?"])


def _chat_name(svc: Service, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(svc.colloquial)
    if roll < 0.9:
        return rng.choice(svc.official_names[1:] or svc.official_names)
    return svc.full


def _chat(svc: Service, aspect: str, rng: random.Random) -> str:
    n, vn = _resident_verb_name(svc, _chat_name(svc, rng), rng)
    spec = ASPECTS[aspect]
    if rng.random() < 0.2:
        intro = rng.choice(["{n}的事问下，", "问下{n}，", "{n}那个，", "就是{n}，"])
        body = intro.replace("{n}", n) + rng.choice(_usable(spec["bare"], svc))
    else:
        body = _fill(rng.choice(_usable(spec["chat"], svc)), n, vn)
    parts = []
    if rng.random() < 0.55:
        parts.append(rng.choice(CHAT_OPENERS))
    if rng.random() < 0.3 and not body.startswith("我"):
        parts.append(rng.choice(CHAT_CONTEXT.get(svc.domain, []) + CHAT_CONTEXT["_"][:2]))
    parts.append(_end(body, CHAT_ENDINGS, rng))
    q = "".join(parts)
    if rng.random() < 0.2:
        q = _typo(q, rng)
    return q


def _hard(svc: Service, aspect: str, rng: random.Random) -> str:
    spec = ASPECTS[aspect]
    described = rng.random() < 0.3
    if described:
        ref = rng.choice(["那个{d}", "就是{d}那个", "{d}的那个"]).replace("{d}", svc.description)
        vref = rng.choice(["申请", "办"]) + ("那个" + svc.description)
    else:
        ref, vref = _resident_verb_name(svc, _chat_name(svc, rng), rng)
    parts = []
    if rng.random() < 0.35:
        parts.append(rng.choice(HARD_OPENERS))
    if rng.random() < 0.85:
        parts.append(rng.choice(HARD_STORIES.get(svc.domain, HARD_STORIES["_"]) + HARD_STORIES["_"][:2]))
    if described or rng.random() < 0.6:
        parts.append(rng.choice(HARD_INTROS).replace("{vr}", vref).replace("{r}", ref))
        parts.append(_end(rng.choice(_usable(spec["bare"], svc)), ["？", "？", "", "啊？", "呢"], rng))
    else:
        parts.append(_end(_fill(rng.choice(_usable(spec["chat"], svc)), ref, vref), ["？", "", "呢？"], rng))
    if rng.random() < 0.35:
        parts.append(rng.choice(HARD_SECOND))
    q = "".join(parts)
    if rng.random() < 0.25:
        for old, new in rng.choice(DIALECTS).items():
            q = q.replace(old, new)
    if rng.random() < 0.25:
        q = re.sub(r"[，。？！]", rng.choice([" ", ""]), q).strip()
    if rng.random() < 0.12:
        q = _typo(q, rng)
    return q


_PARTICLE_END = re.compile(r"[啊呀呢吗不么吧伐]$")


def _end(body: str, endings: list[str], rng: random.Random) -> str:
    if _PARTICLE_END.search(body):
        endings = [e for e in endings if not e or not _PARTICLE_END.match(e.lstrip("，"))] or [""]
    return body + rng.choice(endings)


_MAKERS = {"plain": _plain, "chat": _chat, "hard": _hard}


def _norm(text: str) -> str:
    return _PUNCT.sub("", text)


def resident_query(entry: Entry, rng: random.Random, tier: str) -> str:
    """One resident question about an entry; never a substring of the official question."""
    make = _MAKERS[tier]
    official = _norm(entry.question)
    q = make(entry.service, entry.aspect, rng)
    for _ in range(20):
        if _norm(q) and _norm(q) not in official:
            break
        q = make(entry.service, entry.aspect, rng)
    return q


def sixth_queries(faq: list[Entry], rng: random.Random, tier: str, per_entry: int = 2
                  ) -> tuple[set[str], list[tuple[str, str]], list[str]]:
    """(held-out codes, covered (text, code), missing texts) for one tier."""
    if tier not in _MAKERS:
        raise ValueError(f"unknown tier {tier!r}")
    held = held_out_codes(faq)
    covered: list[tuple[str, str]] = []
    missing: list[str] = []
    for e in faq:
        seen: set[str] = set()
        for _ in range(per_entry):
            q = resident_query(e, rng, tier)
            for _ in range(10):
                if q not in seen:
                    break
                q = resident_query(e, rng, tier)
            seen.add(q)
            if e.code in held:
                missing.append(q)
            else:
                covered.append((q, e.code))
    return held, covered, missing


# ------------------------------------------------------------------------------------------------- measuring


@lru_cache(maxsize=4)
def _built(seed: int):
    from knowledge_base.matcher import FaqIndex

    faq = sixth_faq(seed)
    held = held_out_codes(faq)
    return faq, held, FaqIndex.build(sixth_docs(faq, held))


def _read_messages(path: str | None) -> list[str]:
    if not path or not Path(path).is_file():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [row["text"].strip() for row in csv.DictReader(f)
                if row.get("type", "").strip() == "咨询" and row.get("text", "").strip()]


def run_sixth(seed: int = 23, tier: str = "chat", per_entry: int = 2, messages_path: str | None = None) -> dict:
    """Score the matcher on the SIXTH set for one tier of resident wording."""
    faq, held, index = _built(seed)
    by_code = {e.code: e for e in faq}
    tier_seed = seed * 1000 + 1 + TIERS.index(tier) if tier in TIERS else seed
    rng = random.Random(tier_seed)
    _, covered, missing = sixth_queries(faq, rng, tier, per_entry)

    counts = dict.fromkeys(("correct", "wrong", "menu_hit", "menu_miss", "unknown"), 0)
    wrong_examples: list[dict] = []
    for text, code in covered:
        m = index.match(text, today=TODAY)
        if m.outcome == "answer":
            if m.code == code:
                counts["correct"] += 1
            else:
                counts["wrong"] += 1
                wrong_examples.append({"query": text, "expected": by_code[code].question,
                                       "answered": by_code[m.code].question if m.code in by_code else m.code})
        elif m.outcome == "menu":
            counts["menu_hit" if code in (m.menu_codes or []) else "menu_miss"] += 1
        else:
            counts["unknown"] += 1

    held_counts = dict.fromkeys(("answered", "menu", "unknown"), 0)
    held_examples: list[dict] = []
    for text in missing:
        m = index.match(text, today=TODAY)
        key = {"answer": "answered", "menu": "menu"}.get(m.outcome, "unknown")
        held_counts[key] += 1
        if key == "answered":
            held_examples.append({"query": text, "answered": by_code[m.code].question if m.code in by_code else m.code})

    n, h = len(covered), len(missing)
    report = {
        "tier": tier, "seed": seed, "entries": len(faq), "indexed": len(faq) - len(held),
        "services": len({e.service.full for e in faq}),
        "covered": {"n": n, **{k: round(v / n, 4) for k, v in counts.items()}},
        "held_out": {"n": h, **{k: round(v / h, 4) for k, v in held_counts.items()}},
        "wrong_examples": rng.sample(wrong_examples, min(5, len(wrong_examples))),
        "held_out_answered_examples": rng.sample(held_examples, min(5, len(held_examples))),
    }
    messages = _read_messages(messages_path)
    if messages:
        mc = dict.fromkeys(("answered", "menu", "unknown"), 0)
        for text in messages:
            m = index.match(text, today=TODAY)
            mc[{"answer": "answered", "menu": "menu"}.get(m.outcome, "unknown")] += 1
        # real consultations: not labelled against this FAQ, some may genuinely be covered by it
        report["messages"] = {"n": len(messages), **{k: round(v / len(messages), 4) for k, v in mc.items()}}
    return report
