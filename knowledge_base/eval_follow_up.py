"""Follow-up questions in a chat: after an answer about one service, a resident asks only for another kind of answer
(「需要什么材料」, 「丢了怎么办」) without naming the service again. The dialogue (bot/dialogue/faq.py) asks such a
question as 「<the answered entry's service>，<the question>」; this measures what that finds on the official-style FAQ
of knowledge_base.evaluate (about 2,000 entries, ~100 services, each with a random subset of aspects).

For every entry A (the answer just given) and an aspect b of the same service:
- covered: another entry B of the service answers b; right = B (or another entry of the service that answers b);
- uncovered: no entry of the service answers b; any answer is an answer to a question the FAQ does not cover;
- alone: the same follow-up without the topic, as a resident with no answer before it would send it: it names no
  service, so nothing should be answered.

The follow-up wordings below were written for this set, not taken from the matcher's aspect patterns; how many of
them `follow_up` recognises is reported too (one it does not recognise is asked alone, as before this feature).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from knowledge_base.evaluate import official_faq
from knowledge_base.matcher import ANSWER, FaqIndex, follow_up, topic_of

FOLLOW_UPS = {
    "条件": ["要什么条件", "有啥要求吗", "什么人能办", "我这种情况符合吗"],
    "对象": ["是给哪些人的", "针对什么人"],
    "材料": ["需要带什么材料", "要准备啥", "材料有哪些", "要带身份证吗"],
    "流程": ["怎么申请", "咋办理", "流程是啥"],
    "地点": ["在哪里办", "去哪儿办", "到哪个窗口办"],
    "时限": ["要多久", "几天能办好", "多长时间能下来"],
    "费用": ["收费吗", "要交钱吗", "花多少钱"],
    "标准": ["能领多少", "一个月给多少钱", "标准是多少"],
    "发放": ["啥时候发", "几号到账", "什么时候打钱"],
    "网办": ["网上能办吗", "能在手机上办吗", "可以线上申请不"],
    "代办": ["家里人能代办吗", "可以让别人帮我办吗"],
    "电话": ["电话多少", "打哪个电话问"],
    "依据": ["按什么文件", "有什么依据"],
    "进度": ["进度怎么查", "办到哪一步了在哪看"],
    "有效期": ["能用多久", "有效期多长"],
    "变更": ["信息填错了怎么改", "信息变了要变更吗"],
    "遗失": ["丢了怎么办", "弄丢了怎么补"],
    "不通过": ["没通过怎么办", "被驳回了怎么弄"],
    "外地": ["外地人能办吗", "外地户口可以申请不"],
}


def _rate(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def run_follow_ups(*, entries: int = 2000, seed: int = 11, per_entry: int = 2) -> dict:
    rng = random.Random(seed)
    faq = official_faq(entries, seed=seed)
    index = FaqIndex.build([d for d, _ in faq])
    today = date.today()
    by_service: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for doc, covered in faq:
        by_service[doc.category].append((doc.code, covered))
    counts: dict[str, int] = defaultdict(int)
    for doc, _ in faq:
        siblings = by_service[doc.category]
        has = {a for _, cov in siblings for a in cov}
        for _ in range(per_entry):
            aspect = rng.choice(sorted(FOLLOW_UPS))
            text = rng.choice(FOLLOW_UPS[aspect])
            recognised = follow_up(text)
            counts["asked"] += 1
            counts["recognised"] += recognised
            alone = index.match(text, today=today)
            counts["alone_answered"] += alone.outcome == ANSWER
            if not recognised:
                continue
            m = index.match(f"{topic_of(doc.question)}，{text}", today=today)
            kind = "covered" if aspect in has else "uncovered"
            counts[kind] += 1
            if m.outcome != ANSWER:
                counts[f"{kind}_{m.outcome}"] += 1
                continue
            right = {code for code, cov in siblings if aspect in cov}
            counts[f"{kind}_{'right' if m.code in right else 'wrong'}"] += 1
    cov, unc = counts["covered"], counts["uncovered"]
    return {
        "faq_entries": len(index),
        "follow_ups_asked": counts["asked"],
        "recognised_as_follow_up": _rate(counts["recognised"], counts["asked"]),
        "covered": {"queries": cov, "answered_right": _rate(counts["covered_right"], cov),
                    "answered_wrong": _rate(counts["covered_wrong"], cov), "menu": _rate(counts["covered_menu"], cov),
                    "unknown": _rate(counts["covered_unknown"], cov)},
        "uncovered": {"queries": unc, "answered": _rate(counts["uncovered_right"] + counts["uncovered_wrong"], unc),
                      "menu": _rate(counts["uncovered_menu"], unc), "unknown": _rate(counts["uncovered_unknown"], unc)},
        "alone_answered": _rate(counts["alone_answered"], counts["asked"]),
    }
