"""The statistical layer: character n-gram logistic regression over question / complaint_or_request / suggestion."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from intents.types import MAIN_CLASSES

MODEL_FILE = Path(__file__).resolve().parent / "data" / "ngram_model.json"
_STARS = re.compile(r"\*+")
_QUESTION_MARKS = re.compile(r"[?？]")
MAX_CHARS = 400
EDGE = 20


def features(text: str) -> set[str]:
    """Binary features of an already normalised text: 1-3 grams, 1-3 grams of the first and last 20 characters, shape."""
    t = _STARS.sub("*", text)
    body = t[:MAX_CHARS]
    feats = {body[i:i + k] for k in (1, 2, 3) for i in range(len(body) - k + 1)}
    head, tail = t[:EDGE], t[-EDGE:]
    feats.update("^" + head[i:i + k] for k in (1, 2, 3) for i in range(len(head) - k + 1))
    feats.update("$" + tail[i:i + k] for k in (1, 2, 3) for i in range(len(tail) - k + 1))
    feats.add("#q%d" % min(len(_QUESTION_MARKS.findall(t)), 3))
    feats.add("#len%d" % min(len(t) // 50, 8))
    return feats


class NgramModel:
    """Multinomial logistic regression weights over binary, L2-normalised n-gram features."""

    def __init__(self, vocab: dict[str, int], weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any]):
        self.vocab, self.weights, self.bias, self.meta = vocab, weights, bias, meta
        self.names = {i: g for g, i in vocab.items()}

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

    def indices(self, text: str) -> list[int]:
        vocab = self.vocab
        return [i for i in map(vocab.get, features(text)) if i is not None]

    def logits(self, text: str) -> tuple[np.ndarray, list[int]]:
        """Class logits for a normalised text, and the feature indices that fired."""
        idx = self.indices(text)
        if not idx:
            return self.bias.copy(), idx
        return self.bias + self.weights[idx].sum(axis=0) / math.sqrt(len(idx)), idx

    def top_features(self, idx: list[int], klass: int, n: int = 5) -> list[dict[str, Any]]:
        """The n-grams that pushed hardest towards `klass` (weight relative to the mean over classes)."""
        if not idx:
            return []
        rows = self.weights[idx]
        push = (rows[:, klass] - rows.mean(axis=1)) / math.sqrt(len(idx))
        order = np.argsort(-push)[:n]
        return [{"rule": "model.ngram", "feature": self.names[idx[j]], "toward": MAIN_CLASSES[klass],
                 "weight": round(float(push[j]), 3)} for j in order if push[j] > 0]
