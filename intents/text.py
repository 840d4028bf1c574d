"""Text helpers: normalisation, a fast keyword index, lazy jieba with our user dictionary, typo-tolerant lookup."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Hamming

_STARS = re.compile(r"\*+")
_HALF_WIDTH = {0x3000: 0x20, 0x3002: 0x3002, **{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}}
_WIDE = {chr(c): chr(h) for c, h in _HALF_WIDTH.items() if c != h}
# the full-width forms, and lone surrogates (JSON "\\ud800" decodes to one; no encoder takes it), read as U+FFFD
_WIDE_RE = re.compile("[" + "".join(sorted(_WIDE)) + "\ud800-\udfff]")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")
_ALL_CJK = re.compile(r"[\u4e00-\u9fff]+")
# What WeChat shows in place of what is not text (a photo, a voice note…) when a resident pastes it from another chat
# or a client forwards only the preview: 「[图片]」 is no nod, as the face 「[微笑]」 is, and no place or matter.
_PLACEHOLDER = re.compile(r"^(\[(图片|照片|语音|视频|表情|动画表情|链接|文件|位置|图片消息)\]\s*)+$")


def placeholder(text: str) -> bool:
    """The message is only such placeholders: 「[图片]」, 「[语音][语音]」."""
    return bool(_PLACEHOLDER.match(text.strip())) if isinstance(text, str) else False


def normalize(text: str) -> str:
    """Full-width forms to half-width (what NFKC does for chat text), lower case, one space for whitespace, one * for a run of masking stars,
    U+FFFD for a lone surrogate.

    A letter holds only a few distinct full-width characters (，。？：), so replacing each of them is faster than
    str.translate, which probes its table once per character; a regex finds them without making a string of
    every character, as iterating over the text does.
    """
    if not text.isascii():
        for wide in set(_WIDE_RE.findall(text)):
            text = text.replace(wide, _WIDE.get(wide, "\ufffd"))
    text = " ".join(text.split()).lower()
    return _STARS.sub("*", text) if "*" in text else text


CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # what Chinese CSV files are saved in: UTF-8 (BOM or not), else GBK


def decode_csv(raw: bytes) -> tuple[str, str] | None:
    """The bytes decoded in the first of CSV_ENCODINGS that reads them whole, and that encoding; None if neither."""
    for encoding in CSV_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


_POWERS = (1.0, 10.0, 100.0, 1000.0, 10000.0)


def round_to(x: float, digits: int) -> float:
    """`round(x, digits)` (digits 0-4), the same float, several times faster for the numbers evidence carries.

    round() with digits formats the number as a decimal string and parses it back (~0.6 µs; a letter's evidence and
    scores need about twenty). Here y = x·10^digits is off the exact product by at most half an ulp, so unless the
    exact product lies within 1e-7 of a half, Python's half-even round(y) is the correctly rounded integer r, and
    r / 10^digits (exact division of exactly represented numbers) is the float nearest r·10^-digits — what round()
    returns. Near a half, for large or odd numbers, round() itself answers.
    """
    scale = _POWERS[digits]
    y = x * scale
    if -1e9 < y < 1e9:
        r = round(y)
        if abs(abs(y - r) - 0.5) > 1e-7:
            return r / scale if r else math.copysign(0.0, x)
    return round(x, digits)


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


ID_MASK = (1 << 63) - 1
ID_MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it is a bijection on 64-bit integers


def gram_ids(text: str) -> np.ndarray:
    """Exact integer ids of every 1-, 2- and 3-character substring (with repeats), built by numpy in a few C calls.

    A code point fits in 21 bits, so a gram c0 c1 c2 is c0 | c1 << 21 | c2 << 42: no collisions, no Python loop.
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < 2:
        return codes
    two = codes[:-1] | (codes[1:] << np.uint64(21))
    if len(codes) < 3:
        return np.concatenate((codes, two))
    return np.concatenate((codes, two, two[:-1] | (codes[2:] << np.uint64(42))))


def distinct(ids: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique is slower here: numpy 2 hashes instead of sorting small arrays)."""
    ids = np.sort(ids)
    if len(ids) < 2:
        return ids
    keep = np.empty(len(ids), dtype=bool)
    keep[0] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


def gram_id(gram: str) -> int:
    """The id `gram_ids` gives a 1-3 character string."""
    return sum(ord(ch) << (21 * i) for i, ch in enumerate(gram))


def tagged_ids(ids: np.ndarray, tag: int) -> np.ndarray:
    """Ids moved into namespace `tag` (1, 2 …: e.g. n-grams of the first / last characters); tag 0 keeps them."""
    if not tag:
        return ids
    return (ids * np.uint64(ID_MIX) + np.uint64(tag)) & np.uint64(ID_MASK)


def tagged_id(gram_id_: int, tag: int) -> int:
    return gram_id_ if not tag else (gram_id_ * ID_MIX + tag) & ID_MASK


class IdTable:
    """A sorted array of 63-bit ids with one integer each; `lookup` finds many ids at once (np.searchsorted)."""

    def __init__(self, pairs: Iterable[tuple[int, int]]):
        table = dict(pairs)
        keys = sorted(table)
        # the sentinel (2**64-1) is larger than any 63-bit id: searchsorted never runs off the end
        self.keys = np.array(keys + [2 ** 64 - 1], dtype=np.uint64)
        self.values = np.array([table[k] for k in keys] + [-1], dtype=np.int64)

    def positions(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each id's position among the sorted keys, and whether the id is there."""
        pos = self.keys.searchsorted(ids)
        return pos, self.keys.take(pos) == ids

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """The values of the ids that are in the table (repeats kept)."""
        pos, hit = self.positions(ids)
        return self.values[pos[hit]]


class KeywordIndex:
    """All literal keywords of the rule set, found by looking the text's 1-3 gram ids up in a sorted id table."""

    def __init__(self, entries: Iterable[tuple[str, Any]]):
        self.payloads: dict[str, list[Any]] = {}
        for keyword, payload in entries:
            self.payloads.setdefault(keyword, []).append(payload)
        self._short = sorted(k for k in self.payloads if len(k) <= 3)
        self._long: dict[str, list[str]] = {}
        for keyword in self.payloads:
            if len(keyword) > 3:
                self._long.setdefault(keyword[:3], []).append(keyword)
        self._prefixes = sorted(self._long)
        # one table: value i < len(short) is a short keyword, value len(short) + j the j-th long-keyword prefix
        # (a 3-character keyword can also be a prefix: it then gets its own entry via `extra`)
        pairs = {gram_id(k): i for i, k in enumerate(self._short)}
        self._extra: dict[int, int] = {}
        for j, p in enumerate(self._prefixes):
            key = gram_id(p)
            if key in pairs:
                self._extra[pairs[key]] = j
            else:
                pairs[key] = len(self._short) + j
        self.id_values = pairs  # gram id -> value, for a table shared with the models (model.FeatureLookup)
        self._table = IdTable(pairs.items())

    def find(self, text: str, ids: np.ndarray) -> list[str]:
        """The distinct keywords present in `text` (whose distinct 1-3 gram ids, from `distinct(gram_ids(text))`, are `ids`)."""
        return self.from_values(text, self._table.lookup(ids).tolist())

    def from_values(self, text: str, values: list[int]) -> list[str]:
        """The distinct keywords present in `text`, from the `id_values` of its distinct 1-3 grams that have one."""
        short, n_short, found = self._short, len(self._short), []
        for i in values:
            if i < n_short:
                found.append(short[i])
                j = self._extra.get(i)
            else:
                j = i - n_short
            if j is not None:
                found.extend(k for k in self._long[self._prefixes[j]] if k in text)
        found.sort(key=lambda k: (text.find(k), -len(k)))  # reading order, so evidence and ties are deterministic
        return found


def positions(text: str, keyword: str) -> Iterator[int]:
    """Every start position of keyword in text."""
    pos = text.find(keyword)
    while pos >= 0:
        yield pos
        pos = text.find(keyword, pos + 1)


_jieba_lock = threading.Lock()
_tokenizers: dict[str, Any] = {}  # str(userdict) -> its jieba tokenizer


def load_jieba(userdict: Path | None) -> float:
    """Initialise jieba and a tokenizer with our user dictionary once per process; return the seconds it took (0 if
    already done).

    The user dictionary goes into a tokenizer of our own (a copy of jieba's word table plus our words), not into
    jieba's shared default one: the FAQ matcher cuts its index and its queries with the default tokenizer, and
    loading our words into it part-way through a server's life made the same question cut (and answered)
    differently before and after the first short message was classified."""
    key = str(userdict)
    if key in _tokenizers:
        return 0.0
    with _jieba_lock:
        if key in _tokenizers:
            return 0.0
        started = time.perf_counter()
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(jieba.dt.FREQ), jieba.dt.total, True
        if userdict is not None and userdict.exists():
            tokenizer.load_userdict(str(userdict))
        _tokenizers[key] = tokenizer
        return time.perf_counter() - started


def tokens(text: str, userdict: Path | None) -> list[str]:
    """jieba words of a short text (no HMM: faster, and the user dictionary decides our domain words)."""
    load_jieba(userdict)
    return _tokenizers[str(userdict)].lcut(text, HMM=False)


SPAN_MAX_LEN = 5  # the longest span the typo lookup tries (a longer keyword is never looked up fuzzily)


def candidate_spans(words: list[str], max_len: int = SPAN_MAX_LEN) -> list[str]:
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
    """Find a keyword one character away from a span (same length, ≥3 characters), cached per span.

    Each keyword is indexed under its one-character wildcards (居住证 under ?住证, 居?证, 居住?): a span looks up its
    own wildcards, a few dict probes, and rapidfuzz judges the shortlist, instead of scoring every keyword of the
    span's length (~150 of three or four characters). Same answer — the first keyword in sorted order at Hamming
    distance 1, none when the span is itself a keyword — for a quarter of the cost of a never-seen span.
    """

    WILDCARD = "\x00"  # not in any keyword (normalised text has no control characters); rapidfuzz checks anyway

    def __init__(self, keywords: Iterable[str]):
        self._keywords = frozenset(k for k in keywords if len(k) >= 3)
        self._wild: dict[str, list[str]] = {}
        for keyword in sorted(self._keywords):
            for i in range(len(keyword)):
                self._wild.setdefault(keyword[:i] + self.WILDCARD + keyword[i + 1:], []).append(keyword)
        self.lookup = lru_cache(maxsize=20000)(self._lookup)
        self._sieve = _WildcardSieve(k for k in self._keywords if len(k) <= SPAN_MAX_LEN)

    def may_hold_typo(self, text: str) -> bool:
        """False when no substring of `text` (3 to SPAN_MAX_LEN characters) is one character away from a keyword, so
        that no span cut from it can have a lookup: the jieba cut and the spans can be skipped (most chat lines).
        True when one may be (a hash match: rarely a false alarm, never a miss)."""
        return self._sieve.may_hold(text)

    def _lookup(self, span: str) -> str | None:
        if span in self._keywords:
            return None  # the keyword itself: the index found it, it is no typo
        wild, mark = self._wild, self.WILDCARD
        shortlist = [k for i in range(len(span)) for k in wild.get(span[:i] + mark + span[i + 1:], ())]
        if not shortlist:
            return None
        found = process.extractOne(span, sorted(set(shortlist)), scorer=Hamming.distance, score_cutoff=1)
        return found[0] if found is not None and found[1] == 1 else None


_HASH_BASE = 0x9E3779B97F4A7C15  # odd: its powers modulo 2**64 weigh the characters of a window by place
_PAD = 1 << 22  # a code beyond every character, for the windows that run off a text's end
_NOT_ONE = 1 << 40  # a table value above every character: "more than one keyword has this wildcard"
_PLACES_KEPT = 4096  # the longest text whose window table is kept between calls (the classifier's are ≤ 40)


class _WildcardSieve:
    """A vectorised test of whether any window of a text is one character away from a keyword of its length.

    Every window of L characters with its i-th character left out — for every L among the keywords' lengths and
    every gap i — gets a 64-bit hash, Σ c_j·B^j over the characters kept at their places j in the window, plus a
    salt for L: one integer matrix product of the text's windows (start × place, padded past the end) with a
    (place × (L, i)) table of powers. All of them are looked up at once among the keywords' own wildcard hashes. A
    window that *is* a keyword matches its own wildcards, so each table entry keeps the character the keyword has
    in the gap (when only one keyword has that wildcard) and the window counts only when its character there is
    another. A hash collision can only raise a false alarm, which the exact lookup then answers.
    """

    def __init__(self, keywords: Iterable[str]):
        keywords = list(keywords)
        lengths = sorted({len(k) for k in keywords})
        self._width = width = max(lengths, default=0)
        self._shortest = min(lengths, default=0)
        gaps = [(length, i) for length in lengths for i in range(length)]
        mod = 1 << 64
        # row j < width: B^j where place j is kept; the last row: each (L, i) column's salt (the windows' 1 column)
        coefficients = [[pow(_HASH_BASE, j, mod) if j < length and j != i else 0 for length, i in gaps]
                        for j in range(width)] + [[(length * 0xD6E8FEB86659FD93) % mod for length, _ in gaps]]
        self._coefficients = np.array(coefficients, dtype=np.uint64)
        self._gap_places = np.array([i for _, i in gaps], dtype=np.intp)
        first_column = {length: n for n, (length, i) in enumerate(gaps) if i == 0}  # each length's (L, 0) column
        table: dict[int, int] = {}
        for keyword in keywords:
            column = first_column[len(keyword)]
            hashes = self._hashes(np.array([[ord(ch) for ch in keyword] + [_PAD] * (width - len(keyword)) + [1]],
                                           dtype=np.uint64))[0, column:column + len(keyword)]
            for i, key in enumerate(hashes.tolist()):
                table[key] = ord(keyword[i]) if key not in table else _NOT_ONE
        self._table = IdTable(table.items())  # values: the gap's character, or _NOT_ONE
        self._places: np.ndarray = np.zeros((0, width + 1), dtype=np.intp)
        self._tail = np.array([_PAD] * (width - 1) + [1], dtype=np.uint64)  # the padding, then the salts' 1

    def _hashes(self, windows: np.ndarray) -> np.ndarray:
        return windows @ self._coefficients  # unsigned integer arithmetic: wraps modulo 2**64

    def may_hold(self, text: str) -> bool:
        n, width = len(text), self._width
        if not width or n < self._shortest:
            return False
        places = self._places
        if n > len(places):  # window starts × places, and the last column reads the 1 at the end
            size = max(2 * n, 64)
            places = np.hstack((np.arange(size)[:, None] + np.arange(width), np.full((size, 1), -1)))
            if size <= _PLACES_KEPT:
                self._places = places  # kept for the chat lines to come; a long text's table is not
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        windows = np.concatenate((codes, self._tail)).take(places[:n])
        keys, gaps = self._hashes(windows).ravel(), windows.take(self._gap_places, axis=1).ravel()
        pos, hit = self._table.positions(keys)
        found, gap = self._table.values.take(pos[hit]), gaps[hit].astype(np.int64)
        return bool(((found != gap) & (gap != _PAD)).any())


SOUNDS_FILE = Path(__file__).resolve().parent / "data" / "sounds.txt"


@lru_cache(maxsize=1)
def _readings() -> dict[str, tuple[int, ...]]:
    """Each character's toneless readings (as numbers) with the fuzzy-pinyin pairs folded (intents/data/sounds.txt,
    written by `python -m intents.make_sounds` from pypinyin's table; about 4 MB as tuples of small ints)."""
    table: dict[str, tuple[int, ...]] = {}
    for number, line in enumerate(SOUNDS_FILE.read_text(encoding="utf-8").splitlines()):
        for ch in line.split("\t")[1]:
            table[ch] = table.get(ch, ()) + (number,)
    return table


def load_readings() -> None:
    """Load the table `sounds_alike` reads (once; a warm-up calls it so no resident's message waits for it)."""
    _readings()


def sounds_alike(span: str, keyword: str) -> bool:
    """True when span and keyword (same length) differ only in characters that can sound alike (居住症 for 居住证,
    煤汽味 for 煤气味, 冲电桩 for 充电桩): the typo of pinyin input. 楼道里 is not 楼道灯, 电梯里 not 电梯坏."""
    readings = _readings()
    for a, b in zip(span, keyword):
        if a != b and set(readings.get(a, ())).isdisjoint(readings.get(b, ())):
            return False
    return True


def interior_typo(span: str, keyword: str) -> bool:
    """True when span and keyword differ only inside (not at the first or last character): 煤汽味 for 煤气味."""
    diff = [i for i, (a, b) in enumerate(zip(span, keyword)) if a != b]
    return len(diff) == 1 and 0 < diff[0] < len(keyword) - 1


def required_any(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings of which every match of `pattern` contains at least one, or None when none can be read off.

    The classifier runs a pattern only on a text that holds one of them (`'电梯' in text` costs a tenth of the
    search): the longest run of literal characters in the pattern's top-level sequence, or a group of
    alternatives that each have one (`(煤气|燃气|天然气)`), or a character class (`[不没]`), whichever is longest.
    """
    if pattern.flags & ~(re.UNICODE | re.DOTALL | re.MULTILINE):  # IGNORECASE, VERBOSE …: do not guess
        return None
    try:
        from re import _parser as sre_parse  # the stdlib's own regex parser
        from re._constants import BRANCH, IN, LITERAL, SUBPATTERN
    except ImportError:  # pragma: no cover - before Python 3.11
        return None
    try:
        items = list(sre_parse.parse(pattern.pattern))
    except Exception:  # pragma: no cover - the pattern compiled, so it parses
        return None

    def literal_runs(sequence: list) -> list[str]:
        runs, run = [], ""
        for op, arg in sequence:
            if op is LITERAL:
                run += chr(arg)
            else:
                if run:
                    runs.append(run)
                run = ""
        return runs + [run] if run else runs

    def options(op, arg) -> tuple[str, ...] | None:
        if op is IN and arg and all(o is LITERAL for o, _ in arg):
            return tuple(chr(a) for _, a in arg)
        if op is SUBPATTERN and not arg[1] and not arg[2]:  # a group with no inline flags
            body = list(arg[3])
            if len(body) == 1 and body[0][0] is BRANCH:
                found = []
                for alternative in body[0][1][1]:
                    runs = literal_runs(list(alternative))
                    if not runs:
                        return None
                    found.append(max(runs, key=len))
                return tuple(found)
            if len(body) == 1:
                return options(*body[0])
            runs = literal_runs(body)
            return (max(runs, key=len),) if runs else None
        return None

    candidates = [(run,) for run in literal_runs(items)]
    candidates += [o for o in (options(op, arg) for op, arg in items) if o]
    if not candidates:
        return None
    return max(candidates, key=lambda strings: (min(map(len, strings)), -len(strings)))
