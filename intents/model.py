"""The statistical layer: character n-gram logistic regression over question / complaint_or_request / suggestion."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from intents.text import char_grams
from intents.types import MAIN_CLASSES

MODEL_FILE = Path(__file__).resolve().parent / "data" / "ngram_model.json"
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


class NgramModel:
    """Multinomial logistic regression weights over binary, L2-normalised n-gram features."""

    def __init__(self, vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any]):
        self.vocab, self.weights, self.bias, self.meta = vocab, weights, bias, meta
        self.names = {i: g for g, i in vocab.items()}
        # lookup table: feature -> row + 1 in a weights copy whose row 0 is zeros, so one C-level
        # `filter(None, map(get, features))` both finds and drops features in a single probe each
        self._rows = {g: i + 1 for g, i in vocab.items()}
        self._weights1 = np.vstack([np.zeros((1, weights.shape[1])), weights])
        push = weights - weights.mean(axis=1, keepdims=True)  # how much each feature favours each class
        self._push1 = np.vstack([np.zeros((1, weights.shape[1])), push])

    @classmethod
    def load(cls, path: str | Path = MODEL_FILE) -> NgramModel:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(data["classes"]) != MAIN_CLASSES:
            raise ValueError(f"{path}: classes must be {MAIN_CLASSES}")
        grams = list(data["features"])
        weights = np.array([data["features"][g] for g in grams], dtype=np.float64).reshape(len(grams), len(MAIN_CLASSES))
        return cls({g: i for i, g in enumerate(grams)}, weights, np.array(data["bias"], dtype=np.float64), data.get("meta", {}))

    def save(self, path: str | Path) -> None:
        grams = sorted(self.vocab, key=self.vocab.__getitem__)
        data = {"classes": list(MAIN_CLASSES), "bias": [round(float(b), 5) for b in self.bias], "meta": self.meta,
                "features": {g: [round(float(w), 4) for w in self.weights[self.vocab[g]]] for g in grams}}
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    def rows(self, text: str, grams: set[str] | None = None) -> list[int]:
        """Rows (feature index + 1) of the features of a normalised text that the model knows."""
        if grams is None:
            grams = char_grams(text[:MAX_CHARS])
        get = self._rows.get
        return list(filter(None, map(get, grams))) + list(filter(None, map(get, edge_features(text))))

    def indices(self, text: str, grams: set[str] | None = None) -> list[int]:
        return [r - 1 for r in self.rows(text, grams)]

    def logits(self, text: str, grams: set[str] | None = None) -> tuple[np.ndarray, list[int]]:
        """Class logits for a normalised text, and the rows of the features that fired (for top_features)."""
        rows = self.rows(text, grams)
        if not rows:
            return self.bias.copy(), rows
        return self.bias + self._weights1[rows].sum(axis=0) / math.sqrt(len(rows)), rows

    def top_features(self, rows: list[int], klass: int, n: int = 5) -> list[dict[str, Any]]:
        """The n-grams that pushed hardest towards `klass` (weight relative to the mean over classes)."""
        if not rows:
            return []
        push = self._push1[rows, klass]
        order = np.argsort(-push)[:n] if len(rows) <= n else np.argpartition(-push, n)[:n]
        scale = 1.0 / math.sqrt(len(rows))
        top = sorted(((float(push[j]) * scale, rows[j]) for j in order), reverse=True)
        return [{"rule": "model.ngram", "feature": self.names[row - 1], "toward": MAIN_CLASSES[klass],
                 "weight": round(weight, 3)} for weight, row in top if weight > 0]
