"""The short-message shortcut (greeting / thanks / human / status_query decide only a message with nothing else in
it) skips the work of taking the keywords out when three characters would stay anyway; it must decide the same."""

import random

import intents
from intents.classifier import _FILLER, SHORT_PRIORITY
from intents.text import normalize


def _reference(classifier, text: str, matched: dict, scores: dict) -> str | None:
    """The shortcut's definition: take out what the fired short rules found (keywords, or the text a pattern
    matched: 「就这样」 of short.ack), longest first, then every keyword of those rules, and the fillers; then look."""
    fired = [r for r in matched["rules"] if r.intent in SHORT_PRIORITY]
    if not fired:
        return None
    rest = text
    for found in sorted({f for rule in fired for f, _, _ in matched["rules"][rule]}, key=lambda f: (-len(f), f)):
        rest = rest.replace(found, "")
    for rule in fired:
        for keyword in rule.keywords:
            rest = rest.replace(keyword, "")
    rest = _FILLER.sub("", rest)
    for intent in SHORT_PRIORITY:
        if scores.get(intent, 0.0) <= 0:
            continue
        if len(rest) <= 2:
            return intent
        if intent in ("human", "status_query") and len(text) <= 3 * classifier.settings.get("short_len", 12):
            return intent
    return None


def test_the_shortcut_decides_as_taking_everything_out_would() -> None:
    classifier = intents.default_classifier()
    pieces = ["谢谢", "你好", "您好", "你们", "大家", "辛苦了", "转人工", "人工", "我的工单", "进度", "啊", "呀", "的", "了",
              "！", "，", " ", "~", "_", "1", "a", "楼", "灯", "坏", "您", "们", "谢", "好", "？",
              "就这样", "嗯", "哈", "ok", "对"]
    rng = random.Random(7)
    decided = 0
    for _ in range(3000):
        text = normalize("".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))))
        if not text.strip():
            continue
        matched = classifier._match(text, classifier._lookup.find(text).keywords)
        scores: dict[str, float] = {}
        for rule in matched["rules"]:
            scores[rule.intent] = scores.get(rule.intent, 0.0) + rule.weight
        expected = _reference(classifier, text, matched, scores)
        assert classifier._short_intent(text, matched, scores) == expected, text
        decided += expected is not None
    assert decided > 300
