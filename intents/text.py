"""Text helpers: normalisation, a fast keyword index, lazy jieba with our user dictionary, typo-tolerant lookup."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

_SPACES = re.compile(r"\s+")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, one space for any run of whitespace."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip().lower()


def has_content(text: str) -> bool:
    """True when the text holds at least one Chinese character, letter or digit."""
    return bool(_CJK_OR_WORD.search(text))


class KeywordIndex:
    """All literal keywords of the rule set, found in one pass keyed by each keyword's first two characters."""

    def __init__(self, entries: Iterable[tuple[str, Any]]):
        self._by_prefix: dict[str, list[tuple[str, Any]]] = {}
        self._single: dict[str, list[tuple[str, Any]]] = {}
        for keyword, payload in entries:
            if len(keyword) == 1:
                self._single.setdefault(keyword, []).append((keyword, payload))
            else:
                self._by_prefix.setdefault(keyword[:2], []).append((keyword, payload))

    def find(self, text: str) -> Iterator[tuple[int, str, Any]]:
        """Yield (position, keyword, payload) for every occurrence, overlapping allowed."""
        by_prefix, single = self._by_prefix, self._single
        for i in range(len(text)):
            bucket = by_prefix.get(text[i:i + 2])
            if bucket:
                for keyword, payload in bucket:
                    if text.startswith(keyword, i):
                        yield i, keyword, payload
            if single:
                for keyword, payload in single.get(text[i], ()):
                    yield i, keyword, payload


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
    """Words and runs of adjacent words of 3..max_len characters: a typo often splits a keyword into pieces."""
    spans: list[str] = []
    for i in range(len(words)):
        joined = ""
        for j in range(i, min(i + 4, len(words))):
            joined += words[j]
            if len(joined) > max_len:
                break
            if len(joined) >= 3 and not joined.isascii():
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
