"""The pure classifier: rules (keywords, patterns, guards) blended with the n-gram model, plus the taxonomy."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from itertools import islice
from typing import Any

from intents.model import MAX_CHARS, FeatureLookup, Fired, NgramModel
from intents.rules import Rule, RuleSet
from intents.text import (candidate_spans, distinct, gram_ids, has_content, interior_typo, load_jieba, load_readings,
                          normalize, placeholder, positions, round_to, sounds_alike, tokens)
from intents.types import MAIN_CLASSES, Category, Classification

# WeChat's own faces arrive as text: 「[微笑]」, 「[强]」, 「[OK]」 (lower-cased by normalize); emoji as characters
_WECHAT_FACES = re.compile(r"\[[\u4e00-\u9fffa-z]{1,4}\]|/:[a-z!?<>@&*%#$^]{1,8}")
_A_FACE = re.compile(_WECHAT_FACES.pattern + r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]")

MAIN_INTENTS = ("question", "complaint", "service_request", "suggestion")
SHORT_PRIORITY = ("human", "status_query", "thanks", "greeting")
_FILLER_CHARS = "啊呀啦吧哦噢嗯呢哈嘛呗哇了的~您"
_FILLER = re.compile(r"(?:你们|您们|大家|[\s\W_" + _FILLER_CHARS + "])+")  # 「谢谢你们」: only the thanks
CACHE_MAX_LEN = 40  # messages this short are cached per Classifier (letters are not: they rarely repeat)
CACHE_SIZE = 4096
CLARIFY_ORDER = ("question", "complaint", "service_request", "suggestion")
# what the intent model and the department model make of a message (None for a missing model)
ModelRows = list[Fired | None]


def _softmax(values: list[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


class Classifier:
    """Classify one resident message with a fixed RuleSet and optional intent and department NgramModels;
    `classify` is pure."""

    def __init__(self, rules: RuleSet, model: NgramModel | None = None, department_model: NgramModel | None = None):
        self.rules, self.model, self.department_model = rules, model, department_model
        self.settings = rules.settings
        self._departments = tuple(rules.departments)
        # the department model's column of each department in the rules (-1: the model does not know it)
        self._department_columns = [department_model.classes.index(d) if d in department_model.classes else -1
                                    for d in self._departments] if department_model is not None else []
        # a message's grams are looked up once, in one table for the keywords and both models
        self._lookup = FeatureLookup(rules.index, [model, department_model])
        # the patterns searched whatever the text; the others only when the lookup found one of their literals
        self._ungated = tuple(n for n, (_, _, needs) in enumerate(rules.patterns) if needs is None)
        # likewise for the `unless` guards: each rule's guards by number, and those searched whatever the text
        self._guards: dict[Rule, tuple[tuple[int, re.Pattern[str]], ...]] = {r: () for r in rules.rules}
        for n, (r, guard, _) in enumerate(rules.guards):
            self._guards[r] += ((n, guard),)
        self._unguarded = frozenset(n for n, (_, _, needs) in enumerate(rules.guards) if needs is None)
        # the category of every police matter (settings.police_category), whatever else the message mentions
        self._police = rules.category(self.settings["police_category"]) if self.settings.get("police_category") else None
        self._police_max_len = int(self.settings.get("model_full_len", 40))
        self._alarms = frozenset(r for r in rules.rules if r.intent in ("emergency", "police"))  # negation applies
        # the word characters that taking out the short rules' keywords and the fillers can remove: a text with three
        # others keeps at least three characters, so it is never "nothing but a greeting" (_short_intent)
        self._removable = frozenset("".join(k for r in rules.rules if r.intent in SHORT_PRIORITY for k in r.keywords)
                                    + _FILLER_CHARS + "你们您大家")
        # residents repeat short lines (你好, 谢谢, 人工, 我的工单): remember their results. Still pure: the key is
        # the text and the cache belongs to this Classifier, whose rules and model never change (reload builds a new one)
        self._short_cache = lru_cache(maxsize=CACHE_SIZE)(self._classify)

    def warm_up(self) -> None:
        """Load now what the first short message with a typo would otherwise load: jieba with the user dictionary
        (~0.8 s) and the sound-alike table. A message with no near-keyword never touches either."""
        load_jieba(self.rules.userdict)
        load_readings()

    # ---- matching -------------------------------------------------------------------------------
    def _negated(self, rule: Rule, text: str, pos: int) -> bool:
        if rule not in self._alarms:
            return False
        before = text[max(0, pos - 2):pos]
        return any(n in before for n in self.settings["negators"])

    def _match(self, text: str, keywords: list[int]) -> dict[str, Any]:
        rule_hits: dict[Rule, list[tuple[str, float, bool]]] = defaultdict(list)
        category_hits: dict[Category, dict[str, float]] = defaultdict(dict)
        department_hits: dict[str, list[str]] = defaultdict(list)
        urgent: list[str] = []
        gated = set(self._ungated)  # the patterns to search: their literals are in the text
        guarded = set(self._unguarded)  # the same for the guards
        payloads, alarms = self.rules.index.payloads, self._alarms
        for keyword in self.rules.index.from_values(text, keywords):
            for kind, owner in payloads[keyword]:
                if kind == "rule":
                    if owner not in alarms or not all(self._negated(owner, text, pos) for pos in positions(text, keyword)):
                        rule_hits[owner].append((keyword, 1.0, False))
                elif kind == "category":
                    category_hits[owner][keyword] = float(len(keyword))
                elif kind == "department":
                    department_hits[owner].append(keyword)
                elif kind == "pattern":
                    gated.add(owner)
                elif kind == "guard":
                    guarded.add(owner)
                else:
                    urgent.append(keyword)
        patterns = self.rules.patterns
        for number in sorted(gated):  # rule order, so evidence keeps its order
            rule, pattern, _ = patterns[number]
            found = pattern.search(text)
            if found and not self._negated(rule, text, found.start()):
                rule_hits[rule].append((found.group(0), 1.0, False))
        if len(text) <= self.settings.get("fuzzy_max_len", 80):
            self._fuzzy(text, rule_hits, category_hits)
        guards = self._guards
        fired = {rule: hits for rule, hits in rule_hits.items()
                 if not any(n in guarded and u.search(text) for n, u in guards[rule])}
        return {"rules": fired, "categories": category_hits, "departments": department_hits, "urgent": urgent}

    def _fuzzy(self, text: str, rule_hits: dict, category_hits: dict) -> None:
        if not self.rules.fuzzy.may_hold_typo(text):
            return  # no window of the text is a keyword with one character changed: no span of it can be
        for span in candidate_spans(tokens(text, self.rules.userdict)):
            keyword = self.rules.fuzzy.lookup(span)
            if keyword is None or keyword in text:
                continue
            # a typo of pinyin input sounds like the keyword: 居住症 is 居住证, but 楼道里 is not 楼道灯 (nor 电梯里 电梯坏).
            # Alarms do not ask that (a missed emergency costs more than a false one), only that the word's edges
            # are intact: 安电梯 is not 困电梯
            alike = sounds_alike(span, keyword)
            for kind, owner in self.rules.fuzzy_payloads[keyword]:
                if kind == "rule":
                    if interior_typo(span, keyword) and (alike or owner in self._alarms):
                        rule_hits[owner].append((f"{span}≈{keyword}", 0.8, True))
                elif alike:
                    category_hits[owner].setdefault(f"{span}≈{keyword}", 0.8 * len(keyword))

    @staticmethod
    def _rule_score(rule: Rule, hits: list[tuple[str, float, bool]]) -> float:
        distinct = sorted({(k, f) for k, f, _ in hits}, key=lambda kf: -kf[1])
        score = sum(rule.weight * f * (1.0 if i == 0 else 0.5) for i, (_, f) in enumerate(distinct))
        return min(score, 2 * rule.weight)

    # ---- deciding -------------------------------------------------------------------------------
    def classify(self, text: str) -> Classification:
        """Classify one message; never raises on odd input."""
        if isinstance(text, str) and len(text) <= CACHE_MAX_LEN:
            found = self._short_cache(text)  # a copy, so a caller that edits evidence or scores cannot change the cache
            return replace(found, scores=dict(found.scores), evidence=[dict(e) for e in found.evidence])
        return self._classify(text)

    def _classify(self, text: str) -> Classification:
        norm = normalize(text if isinstance(text, str) else "")
        content = has_content(norm)
        pasted = "[" in norm and placeholder(norm)  # 「[图片]」 typed or pasted: nothing said yet, and no nod
        if (("[" in norm or "/:" in norm or not content) and not pasted
                and not has_content(_WECHAT_FACES.sub("", norm)) and _A_FACE.search(norm)):
            # 「👍」, 「[微笑]」, 「[抱拳][抱拳]」 alone: a nod, as 「好的」 is, not a message to ask back about
            return Classification(intent="thanks", confidence=0.9, scores={"thanks": 0.9},
                                  evidence=[{"rule": "short.ack", "intent": "thanks", "keyword": "emoji", "weight": 1.0}])
        if not content or pasted:
            return Classification(intent="unknown", confidence=0.0, scores={"unknown": 1.0}, needs_clarification=True,
                                  clarifying_question=self.settings["clarify"].get("default"))
        # a long letter is read for its first 400 characters (and the model its last 20)
        raw = gram_ids(norm[:MAX_CHARS])
        found = self._lookup.find(norm, raw, distinct(raw))  # every 1-3 gram id in order, and the distinct ones sorted
        matched = self._match(norm[:MAX_CHARS], found.keywords)
        rows = found.models
        evidence: list[dict[str, Any]] = []
        intent_scores: dict[str, float] = defaultdict(float)
        for rule, hits in matched["rules"].items():
            if not rule.counts_for(len(norm)):
                continue
            score = self._rule_score(rule, hits)
            intent_scores[rule.intent] += score
            for keyword, factor, fuzzy in hits:
                item = {"rule": rule.id, "intent": rule.intent, "keyword": keyword, "weight": round_to(rule.weight * factor, 2)}
                if fuzzy:
                    item["fuzzy"] = True
                evidence.append(item)
        if (self._police and intent_scores.get("police", 0.0) > 0 and intent_scores.get("emergency", 0.0) <= 0
                and len(norm) <= self._police_max_len):
            # a police matter told in a line is the police's, whatever else it mentions (小区门口打架 is not 城建's,
            # 偷电瓶 not 电动车充电); a letter that says 诈骗 about a training school keeps the department its text
            # points to (the mailbox routes those to 教育 / 市场监管)
            category, department = self._police, self._police.department
            self._category_evidence(category, matched["categories"].get(category), evidence)
        else:
            category, department = self._taxonomy(norm, rows, matched, evidence)

        for special, reply_key in (("emergency", "safety_reply"), ("police", "redirect_reply")):
            if intent_scores.get(special, 0.0) > 0:
                return self._decided(special, norm, evidence, category, department, matched,
                                     **{reply_key: self._reply(special, norm, matched)})
        short = self._short_intent(norm, matched, intent_scores)
        if short is not None:
            p3, share = self._main_probs(norm, rows, intent_scores)
            rest = {name: 0.1 * p for name, p in self._four(p3, share).items()}
            return self._decided(short, norm, evidence, category, department, matched, confidence=0.9, rest=rest)
        return self._main(norm, rows, intent_scores, evidence, category, department, matched)

    def _reply(self, special: str, norm: str, matched: dict) -> str | None:
        """The reply of the rule that fired (`replies: {emergency.missing: …}`) when every fired rule of the intent
        has that same one; otherwise the intent's (a gas smell and smoke at once get the general safety reply)."""
        replies = self.settings["replies"]
        own = {replies.get(rule.id) for rule in matched["rules"] if rule.intent == special and rule.counts_for(len(norm))}
        return own.pop() if len(own) == 1 and None not in own else replies.get(special)

    def _short_intent(self, text: str, matched: dict, intent_scores: dict[str, float]) -> str | None:
        fired = [r for r in matched["rules"] if r.intent in SHORT_PRIORITY]
        if not fired:
            return None
        removable = self._removable  # \W and _ are fillers too; word characters outside `removable` always stay
        kept = (ch for ch in text if ch.isalnum() and ch not in removable)
        # a pattern may match any characters (「谢谢…帮我们修好了…」), so only keywords bound what can be taken out
        if not any(rule.patterns for rule in fired) and len(list(islice(kept, 3))) == 3:
            nothing_else = False  # a letter that ends 谢谢: three characters stay whatever is taken out
        else:
            rest = text
            # what each fired (its keywords found, or the text its pattern matched), longest first: a pattern that
            # matched the whole of 「谢谢你们上次帮我修好了水管」 must go before the 谢谢 inside it
            for found in sorted({f for rule in fired for f, _, _ in matched["rules"][rule]}, key=lambda f: (-len(f), f)):
                rest = rest.replace(found, "")
            for rule in fired:  # and the rules' other keywords, which taking out an overlapping one can uncover
                for keyword in rule.keywords:
                    rest = rest.replace(keyword, "")
            nothing_else = len(_FILLER.sub("", rest)) <= 2
        for intent in SHORT_PRIORITY:
            if intent_scores.get(intent, 0.0) <= 0:
                continue
            if nothing_else:
                return intent
            if intent in ("human", "status_query") and len(text) <= 3 * self.settings.get("short_len", 12):
                return intent
        return None

    def _main_probs(self, text: str, rows: ModelRows, intent_scores: dict[str, float]) -> tuple[list[float], float]:
        """Probabilities of question / complaint_or_request / suggestion (model logits + blend × rule scores), and
        the complaint share of complaint_or_request."""
        rq, rc, rs, rg = (intent_scores.get(i, 0.0) for i in MAIN_INTENTS)
        rules3 = [rq, rc + rs, rg]
        if self.model is not None:
            logits = rows[0].logits
            # the model learnt from letters (mean 168 characters): on a one-line chat message the rules lead
            trust = min(1.0, len(text) / float(self.settings.get("model_full_len", 1)))
            blend = trust * float(self.settings.get("blend", 1.0)) + (1 - trust) * float(self.settings.get("short_blend", 1.0))
            combined = [trust * z + blend * r for z, r in zip(logits.tolist(), rules3)]
        else:
            temperature = float(self.settings.get("rules_temperature", 1.0))
            combined = [r / temperature for r in rules3]
        share = 1.0 / (1.0 + math.exp(-(rc - rs))) if (rc or rs) else 0.5
        return _softmax(combined), share

    @staticmethod
    def _four(p3: list[float], share: float) -> dict[str, float]:
        return {"question": p3[0], "complaint": p3[1] * share, "service_request": p3[1] * (1 - share),
                "suggestion": p3[2]}

    def _main(self, text: str, rows: ModelRows, intent_scores: dict[str, float], evidence: list, category: Category | None,
              department: str | None, matched: dict) -> Classification:
        p3, share = self._main_probs(text, rows, intent_scores)
        best3 = max(range(3), key=p3.__getitem__)
        if self.model is not None:
            evidence.extend(rows[0].top_features(best3))
        scores = self._four(p3, share)
        if best3 == 1:
            intent = "complaint" if share >= 0.5 else "service_request"
        else:
            intent = MAIN_CLASSES[best3]
        order3 = sorted(range(3), key=p3.__getitem__, reverse=True)
        confidence = p3[order3[0]]
        unsure = (confidence < self.settings.get("clarify_below", 0.45)
                  or confidence - p3[order3[1]] < self.settings.get("clarify_margin", 0.1))
        question = None
        if unsure:
            cr_name = "complaint" if share >= 0.5 else "service_request"
            names = {cr_name if k == 1 else MAIN_CLASSES[k] for k in order3[:2]}
            pair = "/".join(n for n in CLARIFY_ORDER if n in names)
            question = self.settings["clarify"].get(pair) or self.settings["clarify"].get("default")
        return self._build(intent, text, round_to(confidence, 4), scores, evidence, category, department, matched,
                           needs_clarification=unsure, clarifying_question=question)

    def _decided(self, intent: str, text: str, evidence: list, category: Category | None, department: str | None,
                 matched: dict, confidence: float = 0.95, rest: dict[str, float] | None = None,
                 **replies: Any) -> Classification:
        scores = {**(rest or {}), intent: confidence}
        return self._build(intent, text, confidence, scores, evidence, category, department, matched, **replies)

    def _taxonomy(self, text: str, rows: ModelRows, matched: dict,
                  evidence: list) -> tuple[Category | None, str | None]:
        """The department (rules: the best category's, else the department keywords'; blended with the department
        model when there is one), then the best category, among the department's own when it has any."""
        categories = matched["categories"]
        weight = lambda kv: sum(kv[1].values())  # noqa: E731
        if self.department_model is not None:
            department = self._department(text, rows[1], matched, evidence)
        elif categories:
            department = max(categories.items(), key=weight)[0].department
        elif matched["departments"]:
            department = max(matched["departments"].items(), key=lambda kv: len(kv[1]))[0]
        else:
            department = None
        if not categories:
            return None, department
        own = {c: k for c, k in categories.items() if c.department == department} or categories
        category, keywords = max(own.items(), key=weight)
        self._category_evidence(category, keywords, evidence)
        return category, department

    @staticmethod
    def _category_evidence(category: Category, keywords: dict[str, float] | None, evidence: list) -> None:
        """The category's keywords that fired, or (a category given by the intent, none of whose keywords fired) the
        category itself."""
        if not keywords:
            evidence.append({"rule": f"category.{category.name}", "by_intent": True, "weight": 1.0})
            return
        for keyword, w in keywords.items():
            item = {"rule": f"category.{category.name}", "keyword": keyword, "weight": round_to(w, 2)}
            if "≈" in keyword:
                item["fuzzy"] = True
            evidence.append(item)

    def _department(self, text: str, fired: Fired, matched: dict, evidence: list) -> str | None:
        """trust × model logit + blend × rule score per department, where a department's rule score is the weight
        of its categories' keywords plus `department_keyword_weight` per department keyword that no fired category
        also has (医保 of 医保社保 does not count for 医疗卫生 too). On a one-line chat message the rules lead, as for
        intents. A department the model does not know gets the mean logit. With no rule evidence at all, the model
        alone must reach `department_min_prob`."""
        settings, departments = self.settings, self._departments
        rule = dict.fromkeys(departments, 0.0)
        for category, keywords in matched["categories"].items():
            rule[category.department] = rule.get(category.department, 0.0) + sum(keywords.values())
        claimed = {k for keywords in matched["categories"].values() for k in keywords}
        for name, keywords in matched["departments"].items():  # a category's keyword counts for its own department
            count = sum(1 for k in keywords if k not in claimed)
            rule[name] = rule.get(name, 0.0) + float(settings.get("department_keyword_weight", 2.0)) * count
        logits = fired.logits.tolist()  # Python floats: the same numbers, cheaper to index thirteen times
        trust = min(1.0, len(text) / float(settings.get("model_full_len", 1)))
        blend = trust * float(settings.get("department_blend", 0.2)) + (1 - trust) * float(settings.get("short_blend", 1.0))
        known = [logits[k] for k in self._department_columns if k >= 0]
        neutral = sum(known) / len(known) if known else 0.0
        combined = [trust * (logits[k] if k >= 0 else neutral) + blend * rule[d]
                    for d, k in zip(departments, self._department_columns)]
        probs = _softmax(combined)
        best = max(range(len(departments)), key=probs.__getitem__)
        if not any(rule.values()) and probs[best] < float(settings.get("department_min_prob", 0.4)):
            return None
        column = self._department_columns[best]
        evidence.append({"rule": "model.department", "department": departments[best], "weight": round_to(probs[best], 3)})
        if column >= 0:
            evidence.extend(fired.top_features(column, n=3, rule="model.department_ngram"))
        return departments[best]

    def _build(self, intent: str, text: str, confidence: float, scores: dict[str, float], evidence: list,
               category: Category | None, department: str | None, matched: dict, **extra: Any) -> Classification:
        if intent == "emergency":
            urgency, sla = "emergency", "emergency"
        else:
            sla = category.sla if category else "ordinary"
            acting = intent in ("complaint", "service_request", "police")
            urgency = "high" if acting and (matched["urgent"] or sla == "utility" or intent == "police") else "normal"
            if matched["urgent"] and acting:
                evidence.append({"rule": "urgency.high", "keyword": matched["urgent"][0], "weight": 1.0})
        handler = category.handler_type if category else ("department" if department else "grid")
        if intent not in ("emergency", "police") and (advice := self.settings.get("advice")):
            extra.setdefault("advice", next((advice[rule.id] for rule in matched["rules"]
                                             if rule.id in advice and rule.counts_for(len(text))), None))
        full_scores = {name: 0.0 for name in ("question", "service_request", "complaint", "suggestion", "emergency",
                                              "police", "greeting", "thanks", "human", "status_query", "unknown")}
        full_scores.update({k: round_to(v, 4) for k, v in scores.items()})
        return Classification(intent=intent, confidence=confidence, category=category.name if category else None,
                              department=department, handler_type=handler, urgency=urgency, sla=sla,
                              scores=full_scores, evidence=evidence, **extra)
