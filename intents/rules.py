"""Load and check the YAML rule files (intents.yaml, taxonomy.yaml, userdict.txt) into an immutable RuleSet."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from intents.text import FuzzyLookup, KeywordIndex, required_any
from intents.types import HANDLER_TYPES, INTENTS, SLA_HOURS, Category

RULE_FILES = ("intents.yaml", "taxonomy.yaml", "userdict.txt")
PACKAGE_RULES_DIR = Path(__file__).resolve().parent / "rules"


class RuleError(ValueError):
    """A rule file is missing or wrong; the message names the file and the problem."""


@dataclass(frozen=True, eq=False)  # identity hash: rules are dict keys on the hot path
class Rule:
    """One intent rule: literal keywords and regex patterns that add `weight` to `intent` unless a guard matches."""

    id: str
    intent: str
    weight: float
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    fuzzy: bool = False
    max_len: int | None = None

    def counts_for(self, length: int) -> bool:
        """Whether the rule counts for a normalised message of this length (`max_len` limits it to short ones)."""
        return self.max_len is None or length <= self.max_len


@dataclass(frozen=True)
class RuleSet:
    """Everything the classifier needs from the rules directory, compiled once."""

    directory: Path
    settings: dict[str, Any]
    rules: tuple[Rule, ...]
    categories: tuple[Category, ...]
    departments: dict[str, tuple[str, ...]]
    userdict: Path
    index: KeywordIndex = field(repr=False)
    fuzzy: FuzzyLookup = field(repr=False)
    fuzzy_payloads: dict[str, list[tuple[str, Any]]] = field(repr=False)
    # every rule pattern in rule order, with the literals one of which a text must hold for it to match (None: no
    # such literals; the pattern is always searched). The literals are keywords of `index` with payload
    # ("pattern", position here), so the one lookup of a text's grams also says which patterns to search.
    patterns: tuple[tuple[Rule, re.Pattern[str], tuple[str, ...] | None], ...] = field(default=(), repr=False)
    # the same for every rule's `unless` guards (payload ("guard", position here))
    guards: tuple[tuple[Rule, re.Pattern[str], tuple[str, ...] | None], ...] = field(default=(), repr=False)

    def category(self, name: str) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping at the top level")
    return data


def _strings(value: Any, where: str, fold: Callable[[str], str] = str.lower) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(f"{where}: expected a list of non-empty strings")
    return tuple(dict.fromkeys(fold(v.strip()) for v in value))  # a keyword listed twice counts once


_ESCAPE_OR_TEXT = re.compile(r"\\N\{[^}]*\}|\\.|[^\\]+", re.DOTALL)


def _lower_pattern(pattern: str) -> str:
    """Lower case for the lower-cased text, but not the escapes: 「\\W」 lowered is 「\\w」, the opposite class."""
    return _ESCAPE_OR_TEXT.sub(lambda m: m.group(0) if m.group(0).startswith("\\") else m.group(0).lower(), pattern)


def _regexes(value: Any, where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in _strings(value, where, _lower_pattern):
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise RuleError(f"{where}: bad regular expression {pattern!r}: {exc}") from None
    return tuple(compiled)


def _parse_rules(data: dict[str, Any], path: Path) -> tuple[Rule, ...]:
    raw = data.get("rules")
    if not isinstance(raw, list) or not raw:
        raise RuleError(f"{path}: 'rules' must be a non-empty list")
    rules, seen = [], set()
    for n, item in enumerate(raw):
        where = f"{path}: rules[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise RuleError(f"{where}: each rule needs a string 'id'")
        where = f"{where} (id={item['id']})"
        unknown = set(item) - {"id", "intent", "weight", "keywords", "patterns", "unless", "fuzzy", "max_len"}
        if unknown:
            raise RuleError(f"{where}: unknown field(s) {sorted(unknown)}")
        if item["id"] in seen:
            raise RuleError(f"{where}: duplicate id")
        seen.add(item["id"])
        if item.get("intent") not in INTENTS or item.get("intent") == "unknown":
            raise RuleError(f"{where}: intent must be one of {list(INTENTS[:-1])}, got {item.get('intent')!r}")
        weight = item.get("weight", 1.0)
        if not isinstance(weight, (int, float)):
            raise RuleError(f"{where}: weight must be a number")
        rule = Rule(id=item["id"], intent=item["intent"], weight=float(weight),
                    keywords=_strings(item.get("keywords"), f"{where} keywords"),
                    patterns=_regexes(item.get("patterns"), f"{where} patterns"),
                    unless=_regexes(item.get("unless"), f"{where} unless"),
                    fuzzy=bool(item.get("fuzzy", False)), max_len=item.get("max_len"))
        if not rule.keywords and not rule.patterns:
            raise RuleError(f"{where}: needs keywords or patterns")
        rules.append(rule)
    return tuple(rules)


def _parse_taxonomy(data: dict[str, Any], path: Path) -> tuple[tuple[Category, ...], dict[str, tuple[str, ...]]]:
    departments_raw = data.get("departments")
    if not isinstance(departments_raw, dict) or not departments_raw:
        raise RuleError(f"{path}: 'departments' must be a non-empty mapping of name -> keywords")
    departments = {name: _strings((spec or {}).get("keywords"), f"{path}: departments.{name}.keywords")
                   for name, spec in departments_raw.items()}
    categories, seen = [], set()
    for n, item in enumerate(data.get("categories") or []):
        where = f"{path}: categories[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RuleError(f"{where}: each category needs a string 'name'")
        where = f"{where} ({item['name']})"
        if item["name"] in seen:
            raise RuleError(f"{where}: duplicate name")
        seen.add(item["name"])
        if item.get("department") not in departments:
            raise RuleError(f"{where}: department {item.get('department')!r} is not listed under 'departments'")
        if item.get("handler_type", "grid") not in HANDLER_TYPES:
            raise RuleError(f"{where}: handler_type must be one of {list(HANDLER_TYPES)}")
        if item.get("sla", "ordinary") not in SLA_HOURS:
            raise RuleError(f"{where}: sla must be one of {list(SLA_HOURS)}")
        keywords = _strings(item.get("keywords"), f"{where} keywords")
        if not keywords:
            raise RuleError(f"{where}: needs keywords")
        for flag in ("on_site", "photo"):
            if not isinstance(item.get(flag, True), bool):
                raise RuleError(f"{where}: {flag} must be true or false")
        categories.append(Category(item["name"], item["department"], item.get("handler_type", "grid"),
                                   item.get("sla", "ordinary"), keywords, item.get("on_site", True),
                                   item.get("photo", True)))
    if not categories:
        raise RuleError(f"{path}: 'categories' must be a non-empty list")
    return tuple(categories), departments


def load_rules(directory: str | Path) -> RuleSet:
    """Read and compile the rules in `directory`; raise RuleError naming the file and problem."""
    directory = Path(directory)
    intents_file, taxonomy_file = directory / "intents.yaml", directory / "taxonomy.yaml"
    data = _load_yaml(intents_file)
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        raise RuleError(f"{intents_file}: 'settings' must be a mapping")
    rules = _parse_rules(data, intents_file)
    replies = data.get("replies") or {}
    known = {r.id for r in rules} | {r.intent for r in rules}
    if not isinstance(replies, dict) or not all(isinstance(v, str) and v.strip() for v in replies.values()):
        raise RuleError(f"{intents_file}: 'replies' must map an intent or a rule id to a non-empty text")
    for key in replies:
        if key not in known:
            raise RuleError(f"{intents_file}: replies.{key}: not an intent or a rule id")
    advice = data.get("advice") or {}
    if not isinstance(advice, dict) or not all(isinstance(v, str) and v.strip() for v in advice.values()):
        raise RuleError(f"{intents_file}: 'advice' must map a rule id to a non-empty text")
    ids, fast = {r.id for r in rules}, {r.id for r in rules if r.intent in ("emergency", "police")}
    for key in advice:
        if key not in ids:
            raise RuleError(f"{intents_file}: advice.{key}: not a rule id")
        if key in fast:
            raise RuleError(f"{intents_file}: advice.{key}: an emergency or police rule has its reply under 'replies'")
    settings = {**settings, "replies": replies, "advice": advice, "clarify": data.get("clarify") or {},
                "high_urgency": _strings(data.get("high_urgency"), f"{intents_file}: high_urgency"),
                "negators": tuple(settings.get("negators") or ())}
    categories, departments = _parse_taxonomy(_load_yaml(taxonomy_file), taxonomy_file)
    police = settings.get("police_category")
    if police is not None and police not in {c.name for c in categories}:
        raise RuleError(f"{intents_file}: settings.police_category {police!r} is not a category in {taxonomy_file.name}")
    entries: list[tuple[str, Any]] = []
    fuzzy_payloads: dict[str, list[tuple[str, Any]]] = {}
    for rule in rules:
        for keyword in rule.keywords:
            entries.append((keyword, ("rule", rule)))
            if rule.fuzzy:
                fuzzy_payloads.setdefault(keyword, []).append(("rule", rule))
    for category in categories:
        for keyword in category.keywords:
            entries.append((keyword, ("category", category)))
            fuzzy_payloads.setdefault(keyword, []).append(("category", category))
    for name, keywords in departments.items():
        entries.extend((keyword, ("department", name)) for keyword in keywords)
    entries.extend((keyword, ("urgent", None)) for keyword in settings["high_urgency"])
    patterns = tuple((rule, pattern, required_any(pattern)) for rule in rules for pattern in rule.patterns)
    guards = tuple((rule, pattern, required_any(pattern)) for rule in rules for pattern in rule.unless)
    for kind, gated in (("pattern", patterns), ("guard", guards)):
        for number, (_, _, needs) in enumerate(gated):
            entries.extend((literal, (kind, number)) for literal in dict.fromkeys(needs or ()))
    return RuleSet(directory=directory, settings=settings, rules=rules, categories=categories,
                   departments=departments, userdict=directory / "userdict.txt", index=KeywordIndex(entries),
                   fuzzy=FuzzyLookup(fuzzy_payloads), fuzzy_payloads=fuzzy_payloads,
                   patterns=patterns, guards=guards)


def rule_files_signature(directory: str | Path) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime_ns, size) of each rule file: cheap to compute, changes whenever a file is saved."""
    signature = []
    for name in RULE_FILES:
        try:
            st = (Path(directory) / name).stat()
            signature.append((name, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            signature.append((name, 0, -1))
    return tuple(signature)
