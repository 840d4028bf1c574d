"""The statistical layer: linear weights over character n-grams, for the three mailbox classes (question /
complaint_or_request / suggestion) and, as a second model, for the department domains."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from intents.text import (ID_MASK, ID_MIX, IdTable, KeywordIndex, char_grams, distinct, gram_id, gram_ids, round_to,
                          tagged_id)
from intents.types import MAIN_CLASSES

MODEL_FILE = Path(__file__).resolve().parent / "data" / "ngram_model.json"
DEPARTMENT_MODEL_FILE = MODEL_FILE.with_name("department_model.json")
MAX_CHARS = 400
EDGE = 20


def features(text: str, grams: set[str] | None = None) -> set[str]:
    """Binary features of a normalised text: 1-3 grams (first 400 chars), 1-3 grams of the first/last 20 chars, shape.

    `grams` may pass the text's 1-3 grams when the caller already has them (the classifier does).
    """
    body = grams if grams is not None and len(text) <= MAX_CHARS else char_grams(text[:MAX_CHARS])
    return body | edge_features(text)


def edge_features(text: str) -> set[str]:
    """The features that are not plain n-grams: n-grams of the first and last 20 characters, shape."""
    edges = {"^" + g for g in char_grams(text[:EDGE])}
    edges.update(["$" + g for g in char_grams(text[-EDGE:])])
    edges.add("#q%d" % min(text.count("?"), 3))
    edges.add("#len%d" % min(len(text) // 50, 8))
    return edges


class FeatureIds(NamedTuple):
    """A text's feature ids, the same for every model: its distinct 1-3 grams then its edge grams (first / last 20
    characters, tagged into namespaces 1 and 2), two sorted runs of distinct ids (sorted needles make np.searchsorted
    faster), then the ids of its two shape features (`shape_id`)."""

    ids: np.ndarray


# the shape features (#q0-#q3: question marks, #len0-#len8: length / 50) get ids from 2**63 up: gram ids, plain or
# tagged, are below 2**63, so they can never collide
SHAPE_BASE = 1 << 63
_SHAPE_LEN = 16  # #len{b} is SHAPE_BASE + 16 + b, #q{q} is SHAPE_BASE + q


def shape_id(feature: str) -> int | None:
    """The id of a shape feature string (#q1, #len3), None for any other string."""
    for mark, offset in (("#q", 0), ("#len", _SHAPE_LEN)):
        if feature.startswith(mark) and feature[len(mark):].isdigit():
            return SHAPE_BASE + offset + int(feature[len(mark):])
    return None


@lru_cache(maxsize=None)
def _edge_plan(n: int, tail_inside: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where a text of n characters (n ≤ 400) has its edge grams in `gram_ids(text)` — the 1-3 grams of the first 20
    characters, then, when `tail_inside`, of the last 20 — and each edge gram's tag (1: head, 2: tail; a long text's
    tail grams are appended by the caller)."""
    if n < 3:
        size = (0, 1, 3)[n]
        where = np.concatenate((np.arange(size), np.arange(size)))
        heads = size
    else:
        starts, lengths = (0, n, 2 * n - 1), (n, n - 1, n - 2)  # gram_ids: 1-grams, 2-grams, 3-grams
        head = [s + np.arange(min(EDGE - k, m)) for k, (s, m) in enumerate(zip(starts, lengths))]
        tail = [s + np.arange(m - min(EDGE - k, m), m) for k, (s, m) in enumerate(zip(starts, lengths))]
        where = np.concatenate(head + (tail if tail_inside else []))
        heads = sum(map(len, head))
    tails = len(where) - heads if tail_inside else 3 * EDGE - 3
    tags = np.array([1] * heads + [2] * tails, dtype=np.uint64)
    return where, tags


def feature_ids(text: str, raw: np.ndarray | None = None, ids: np.ndarray | None = None) -> FeatureIds:
    """The FeatureIds of a normalised text; `raw = gram_ids(text[:400])` and `ids = distinct(raw)` when known."""
    if raw is None:
        raw = gram_ids(text[:MAX_CHARS])
    if ids is None:
        ids = distinct(raw)
    n, inside = min(len(text), MAX_CHARS), len(text) <= MAX_CHARS
    where, tags = _edge_plan(n, inside)
    edges = raw.take(where)
    if not inside:  # the last 20 characters of a long letter lie beyond the 400 that `raw` covers
        edges = np.concatenate((edges, gram_ids(text[-EDGE:])))
    edges = edges * np.uint64(ID_MIX) + tags  # = tagged_ids(head, 1) ++ tagged_ids(tail, 2), then masked below
    shape = np.array((SHAPE_BASE + min(text.count("?"), 3), SHAPE_BASE + _SHAPE_LEN + min(len(text) // 50, 8)),
                     dtype=np.uint64)  # = shape_id("#q…"), shape_id("#len…")
    return FeatureIds(np.concatenate((ids, distinct(edges & np.uint64(ID_MASK)), shape)))


class NgramModel:
    """Linear weights over binary, L2-normalised n-gram features, one column per class (fitted by intents.train as
    multinomial logistic regression or as NBSVM folded into the same table)."""

    def __init__(self, vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any],
                 classes: tuple[str, ...] = MAIN_CLASSES):
        if weights.shape[1:] != (len(classes),) or bias.shape != (len(classes),):
            raise ValueError(f"weights {weights.shape} and bias {bias.shape} do not fit {len(classes)} classes")
        self.vocab, self.weights, self.bias, self.meta, self.classes = vocab, weights, bias, meta, tuple(classes)
        self.names = {i: g for g, i in vocab.items()}
        # every feature string becomes an exact integer id (see text.gram_ids) in one sorted table, so a
        # letter's ~500 grams are found with one np.searchsorted instead of ~500 dict probes
        self.id_pairs = self._id_pairs(vocab)
        self._table = IdTable(self.id_pairs)
        self._weights = np.ascontiguousarray(weights)
        push = weights - weights.mean(axis=1, keepdims=True)  # how much each feature favours each class
        self._push = [np.ascontiguousarray(push[:, k]) for k in range(push.shape[1])]  # one column per class

    @staticmethod
    def _id_pairs(vocab: dict[str, int]) -> list[tuple[int, int]]:
        """(id, row) for every feature: plain 1-3 grams in namespace 0, ^-grams (first 20 chars) 1, $-grams (last 20) 2."""
        pairs = []
        for g, i in vocab.items():
            if 1 <= len(g) <= 3:
                pairs.append((gram_id(g), i))
            for mark, tag in (("^", 1), ("$", 2)):
                if g.startswith(mark) and 2 <= len(g) <= 4:
                    pairs.append((tagged_id(gram_id(g[1:]), tag), i))
            if (shape := shape_id(g)) is not None:
                pairs.append((shape, i))
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("feature ids collide; change text.ID_MIX")  # ~1e-10 chance; checked, not assumed
        return pairs

    @classmethod
    def load(cls, path: str | Path = MODEL_FILE, classes: tuple[str, ...] | None = MAIN_CLASSES) -> NgramModel:
        """Read a weights file; `classes` (None: any) are the classes it must have, in order."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        found = tuple(data["classes"])
        if classes is not None and found != tuple(classes):
            raise ValueError(f"{path}: classes must be {tuple(classes)}, not {found}")
        if not found or len(set(found)) != len(found):
            raise ValueError(f"{path}: classes must be distinct and not empty")
        grams = list(data["features"])
        weights = np.array([data["features"][g] for g in grams], dtype=np.float64).reshape(len(grams), len(found))
        return cls({g: i for i, g in enumerate(grams)}, weights, np.array(data["bias"], dtype=np.float64),
                   data.get("meta", {}), found)

    def save(self, path: str | Path) -> None:
        grams = sorted(self.vocab, key=self.vocab.__getitem__)
        data = {"classes": list(self.classes), "bias": [round(float(b), 5) for b in self.bias], "meta": self.meta,
                "features": {g: [round(float(w), 4) for w in self.weights[self.vocab[g]]] for g in grams}}
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def rows(self, text: str, raw: np.ndarray | None = None, ids: np.ndarray | None = None) -> np.ndarray:
        """Rows of the distinct features of a normalised text that the model knows (sorted); `raw =
        gram_ids(text[:400])` and `ids = distinct(raw)` when known. (The classifier uses FeatureLookup instead.)"""
        return distinct(self._table.lookup(feature_ids(text, raw, ids).ids))  # "#q1" is a gram and a shape feature

    def indices(self, text: str) -> list[int]:
        return self.rows(text).tolist()

    def logits(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Class logits for a normalised text, and the rows of the features that fired (for top_features)."""
        return self.logits_of(self.rows(text))

    def logits_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Class logits from the rows of the features that fired, and those rows."""
        if not len(rows):
            return self.bias.copy(), rows
        return self.bias + self._weights.take(rows, axis=0).sum(axis=0) / math.sqrt(len(rows)), rows

    def top_features(self, rows: np.ndarray, klass: int, n: int = 5) -> list[dict[str, Any]]:
        """The n-grams that pushed hardest towards `klass` (weight relative to the mean over classes)."""
        if not len(rows):
            return []
        return _top(self, self._push[klass].take(rows), rows, klass, n, len(rows))


_SMALLEST = float(np.nextafter(0.0, 1.0))


def _top(model: NgramModel, push: np.ndarray, rows: np.ndarray | Any, klass: int, n: int, count: int,
         rule: str = "model.ngram") -> list[dict[str, Any]]:
    """Evidence items for the n largest positive `push` values, largest first; among equal values the higher row
    wins, so the items depend on the features alone, not on their order. `rows` are the rows of `push`'s features,
    or a function from positions in `push` to rows (called for the few candidates only)."""
    if len(push) <= n:
        cut = _SMALLEST
    else:  # the array methods, not np.partition / np.flatnonzero: their Python wrappers cost as much as the work
        ordered = push.copy()
        ordered.partition(len(push) - n)
        cut = max(float(ordered[len(push) - n]), _SMALLEST)
    keep = (push >= cut).nonzero()[0]  # every value tied with the n-th largest stays a candidate
    found = rows(keep) if callable(rows) else rows.take(keep)
    scale = 1.0 / math.sqrt(count)
    top = sorted(zip((push.take(keep) * scale).tolist(), found.tolist()), reverse=True)[:n]
    return [{"rule": rule, "feature": model.names[row], "toward": model.classes[klass],
             "weight": round_to(weight, 3)} for weight, row in top if weight > 0]


class PlacedModel(NamedTuple):
    """A model as FeatureLookup sees it: its row at each place of the lookup's table (-1: none), and each class's
    push (weight minus the row's mean weight; 0 where the model has no row) at each place."""

    model: NgramModel
    column: int
    row_at: np.ndarray
    push_at: tuple[np.ndarray, ...]


class Fired(NamedTuple):
    """What one model makes of a text looked up by FeatureLookup: its class logits, the number of the text's
    features it knows, and (for evidence) the places of the text's features in the lookup's table."""

    logits: np.ndarray
    count: int
    places: np.ndarray
    placed: PlacedModel

    @property
    def rows(self) -> np.ndarray:
        """The rows of the model's features that fired, sorted (as `NgramModel.rows` gives them)."""
        mine = self.placed.row_at.take(self.places)
        return distinct(mine[mine >= 0])

    def top_features(self, klass: int, n: int = 5, rule: str = "model.ngram") -> list[dict[str, Any]]:
        """The same items as `model.top_features(self.rows, klass, n)` (with `rule` as their rule)."""
        if not self.count:
            return []
        row_at, places = self.placed.row_at, self.places
        return _top(self.placed.model, self.placed.push_at[klass].take(places),
                    lambda keep: row_at.take(places.take(keep)), klass, n, self.count, rule)


class Found(NamedTuple):
    """A text looked up once for the rules and every model: the `KeywordIndex.id_values` of its 1-3 grams that are
    keywords or keyword prefixes, and each model's Fired (None for a missing model)."""

    keywords: list[int]
    models: list[Fired | None]


class FeatureLookup:
    """The rules' keywords and several models' features in one sorted id table, so that a text is looked up once.

    Each model's weights are copied into one matrix, a block of columns per model (zeros where it lacks a feature),
    followed by a column of ones where it has the feature (so the sum counts its features); a text's logits for
    every model come from one `take` and one sum: the same numbers as each model's own `logits(text)`, from one
    lookup instead of one per model and one for the keywords.
    """

    def __init__(self, keywords: KeywordIndex, models: list[NgramModel | None]):
        present = [m for m in models if m is not None]
        keys = sorted(set(keywords.id_values) | {k for m in present for k, _ in m.id_pairs})
        at = {k: j for j, k in enumerate(keys)}
        self._table = IdTable((k, j) for j, k in enumerate(keys))  # a text's id's position is its place
        self._keyword = np.full(len(keys), -1, dtype=np.int64)
        for k, value in keywords.id_values.items():
            self._keyword[at[k]] = value
        blocks: list[np.ndarray] = []
        self._models: list[PlacedModel | None] = []
        column = 0
        for m in models:
            if m is None:
                self._models.append(None)
                continue
            rows = np.full(len(keys), -1, dtype=np.int64)  # the model's row of each place, -1 where it has none
            for k, row in m.id_pairs:
                rows[at[k]] = row
            width = len(m.classes)
            block = np.zeros((len(keys), width + 1))
            have = rows >= 0
            block[have, :width] = m.weights[rows[have]]
            block[have, width] = 1.0
            blocks.append(block)
            push_at = tuple(np.zeros(len(keys)) for _ in range(width))
            for at_place, own in zip(push_at, m._push):  # the model's own push columns, at the lookup's places
                at_place[have] = own[rows[have]]
            self._models.append(PlacedModel(m, column, rows, push_at))
            column += width + 1
        self._matrix = np.ascontiguousarray(np.hstack(blocks)) if blocks else None

    def find(self, text: str, raw: np.ndarray | None = None, ids: np.ndarray | None = None) -> Found:
        """Look a normalised text up (`raw = gram_ids(text[:400])` and `ids = distinct(raw)` when known)."""
        if raw is None:
            raw = gram_ids(text[:MAX_CHARS])
        if ids is None:
            ids = distinct(raw)
        needles = feature_ids(text, raw, ids).ids if self._matrix is not None else ids
        pos, hit = self._table.positions(needles)
        n = len(ids)  # the plain grams come first; only they can be keywords
        keywords = self._keyword.take(pos[:n][hit[:n]])
        keywords = keywords[keywords >= 0].tolist()
        if self._matrix is None:
            return Found(keywords, [None] * len(self._models))
        places = pos[hit]
        taken = self._matrix.take(places, axis=0)
        sums = np.add.reduce(taken, axis=0)  # = .sum(axis=0), without its wrapper
        fired: list[Fired | None] = []
        for placed in self._models:
            if placed is None:
                fired.append(None)
                continue
            column, width = placed.column, len(placed.model.classes)
            count = int(sums[column + width])  # a sum of ones: exact
            bias = placed.model.bias
            logits = bias + sums[column:column + width] / math.sqrt(count) if count else bias.copy()
            fired.append(Fired(logits, count, places, placed))
        return Found(keywords, fired)
