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
    feats = set(grams) if grams is not None and len(text) <= MAX_CHARS else char_grams(text[:MAX_CHARS])
    head, tail = text[:EDGE], text[-EDGE:]
    feats.update(["^" + g for g in char_grams(head)])
    feats.update(["$" + g for g in char_grams(tail)])
    feats.add("#q%d" % min(text.count("?"), 3))
    feats.add("#len%d" % min(len(text) // 50, 8))
    return feats


class NgramModel:
    """Multinomial logistic regression weights over binary, L2-normalised n-gram features."""

    def __init__(self, vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any]):
        self.vocab, self.weights, self.bias, self.meta = vocab, weights, bias, meta
        self.names = {i: g for g, i in vocab.items()}
        self.keys = frozenset(vocab)
        self.push = weights - weights.mean(axis=1, keepdims=True)  # how much each feature favours each class

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

    def indices(self, text: str, grams: set[str] | None = None) -> list[int]:
        return list(map(self.vocab.__getitem__, features(text, grams) & self.keys))

    def logits(self, text: str, grams: set[str] | None = None) -> tuple[np.ndarray, list[int]]:
        """Class logits for a normalised text, and the feature indices that fired."""
        idx = self.indices(text, grams)
        if not idx:
            return self.bias.copy(), idx
        return self.bias + self.weights[idx].sum(axis=0) / math.sqrt(len(idx)), idx

    def top_features(self, idx: list[int], klass: int, n: int = 5) -> list[dict[str, Any]]:
        """The n-grams that pushed hardest towards `klass` (weight relative to the mean over classes)."""
        if not idx:
            return []
        push = self.push[idx, klass] / math.sqrt(len(idx))
        order = np.argsort(-push)[:n] if len(idx) <= n else np.argpartition(-push, n)[:n]
        order = sorted(order, key=lambda j: -push[j])
        return [{"rule": "model.ngram", "feature": self.names[idx[j]], "toward": MAIN_CLASSES[klass],
                 "weight": round(float(push[j]), 3)} for j in order if push[j] > 0]
