"""Text helpers: normalisation, a fast keyword index, lazy jieba with our user dictionary, typo-tolerant lookup."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

_STARS = re.compile(r"\*+")
_HALF_WIDTH = {0x3000: 0x20, 0x3002: 0x3002, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")
_ALL_CJK = re.compile(r"[\u4e00-\u9fff]+")


def normalize(text: str) -> str:
    """Full-width forms to half-width (what NFKC does for chat text, at str.translate speed), lower case, one space for whitespace, one * for a run of masking stars."""
    if not text.isascii():
        text = text.translate(_HALF_WIDTH)
    text = " ".join(text.split()).lower()
    return _STARS.sub("*", text) if "*" in text else text


def has_content(text: str) -> bool:
    """True when the text holds at least one Chinese character, letter or digit."""
    return bool(_CJK_OR_WORD.search(text))


_SLICE_CACHE = 2048
_SLICES = {k: [slice(i, i + k) for i in range(_SLICE_CACHE)] for k in (2, 3)}


def char_grams(text: str) -> set[str]:
    """All distinct 1-, 2- and 3-character substrings, built at C speed from precomputed slices."""
    n = len(text)
    grams = set(text)
    get = text.__getitem__
    for k in (2, 3):
        count = n - k + 1
        if count > 0:
            slices = _SLICES[k][:count] if count <= _SLICE_CACHE else [slice(i, i + k) for i in range(count)]
            grams.update(map(get, slices))
    return grams


class KeywordIndex:
    """All literal keywords of the rule set, found by intersecting the text's 1-3 grams with the keyword set."""

    def __init__(self, entries: Iterable[tuple[str, Any]]):
        self.payloads: dict[str, list[Any]] = {}
        for keyword, payload in entries:
            self.payloads.setdefault(keyword, []).append(payload)
        self._short = frozenset(k for k in self.payloads if len(k) <= 3)
        self._long: dict[str, list[str]] = {}
        for keyword in self.payloads:
            if len(keyword) > 3:
                self._long.setdefault(keyword[:3], []).append(keyword)
        self._long_prefixes = frozenset(self._long)

    def find(self, text: str, grams: set[str]) -> list[str]:
        """The distinct keywords present in `text` (whose 1-3 grams are `grams`)."""
        found = list(grams & self._short)
        for prefix in grams & self._long_prefixes:
            found.extend(k for k in self._long[prefix] if k in text)
        found.sort(key=lambda k: (text.find(k), -len(k)))  # reading order, so evidence and ties are deterministic
        return found


def positions(text: str, keyword: str) -> Iterator[int]:
    """Every start position of keyword in text."""
    pos = text.find(keyword)
    while pos >= 0:
        yield pos
        pos = text.find(keyword, pos + 1)


_jieba_lock = threading.Lock()
_jieba_loaded: dict[str, float] = {}


def load_jieba(userdict: Path | None) -> float:
    """Initialise jieba and our user dictionary once per process; return the seconds it took (0 if already done)."""
    key = str(userdict)
    if key in _jieba_loaded:
        return 0.0
    with _jieba_lock:
        if key in _jieba_loaded:
            return 0.0
        started = time.perf_counter()
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        if userdict is not None and userdict.exists():
            jieba.load_userdict(str(userdict))
        _jieba_loaded[key] = time.perf_counter() - started
        return _jieba_loaded[key]


def tokens(text: str, userdict: Path | None) -> list[str]:
    """jieba words of a short text (no HMM: faster, and the user dictionary decides our domain words)."""
    load_jieba(userdict)
    import jieba

    return jieba.lcut(text, HMM=False)


def candidate_spans(words: list[str], max_len: int = 5) -> list[str]:
    """Runs of adjacent words (3..max_len characters) that include a one-character word.

    A typo breaks a dictionary word into single characters (煤汽味 → 煤/汽/味, 居住症 → 居住/症), so
    spans made only of whole dictionary words need no fuzzy lookup.
    """
    spans: list[str] = []
    for i in range(len(words)):
        joined, has_single = "", False
        for j in range(i, min(i + 4, len(words))):
            joined += words[j]
            has_single = has_single or len(words[j]) == 1
            if len(joined) > max_len:
                break
            if len(joined) >= 3 and has_single and _ALL_CJK.fullmatch(joined):
                spans.append(joined)
    return spans


class FuzzyLookup:
    """Find a keyword one character away from a span (same length, ≥3 characters), cached per span."""

    def __init__(self, keywords: Iterable[str]):
        self._by_len: dict[int, list[str]] = {}
        for keyword in sorted(set(keywords)):
            if len(keyword) >= 3:
                self._by_len.setdefault(len(keyword), []).append(keyword)
        self.lookup = lru_cache(maxsize=20000)(self._lookup)

    def _lookup(self, span: str) -> str | None:
        from rapidfuzz import process
        from rapidfuzz.distance import Hamming

        choices = self._by_len.get(len(span))
        if not choices:
            return None
        found = process.extractOne(span, choices, scorer=Hamming.distance, score_cutoff=1)
        if found is None or found[1] == 0:
            return None
        return found[0]


def interior_typo(span: str, keyword: str) -> bool:
    """True when span and keyword differ only inside (not at the first or last character): 煤汽味 for 煤气味."""
    diff = [i for i, (a, b) in enumerate(zip(span, keyword)) if a != b]
    return len(diff) == 1 and 0 < diff[0] < len(keyword) - 1
