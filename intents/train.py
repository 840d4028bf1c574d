"""Train the n-gram model from a labelled CSV, report stratified k-fold CV figures, write intents/data/ngram_model.json."""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import click
import numpy as np

from intents.classifier import Classifier
from intents.metrics import evaluate, format_report, read_labelled
from intents.model import MODEL_FILE, NgramModel, features
from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.text import normalize
from intents.types import MAIN_CLASSES


def fit(feature_sets: list[set[str]], labels: list[int], c: float = 3.0, min_df: int = 2, max_features: int = 0,
        max_iter: int = 200, classes: tuple[str, ...] = MAIN_CLASSES, balance: float = 0.0) -> NgramModel:
    """Multinomial logistic regression on binary L2-normalised features seen in ≥ min_df texts.

    With max_features, keep the features whose class weights differ most and fit again on those alone:
    a small vocabulary keeps lookups in cache and the weights file small. `balance` weighs each example by
    (share a class would have if all were equal / its class's share) ** balance: 0 plain, 1 fully balanced.
    """
    df = Counter(g for feats in feature_sets for g in feats)
    grams = sorted(g for g, n in df.items() if n >= min_df)
    counts = np.bincount(labels, minlength=len(classes)).astype(float)
    sample = (len(labels) / (len(classes) * np.maximum(counts, 1.0)))[labels] ** balance
    sample /= sample.mean()
    model = _fit_vocab(feature_sets, labels, grams, c, max_iter, classes, sample)
    if max_features and len(grams) > max_features:
        spread = model.weights.max(axis=1) - model.weights.min(axis=1)
        keep = sorted(grams[i] for i in np.argsort(-spread)[:max_features])
        model = _fit_vocab(feature_sets, labels, keep, c, max_iter, classes, sample)
    model.meta.update({"c": c, "min_df": min_df, "max_features": max_features, "n_train": len(feature_sets),
                       "features": len(model.vocab), "balance": balance})
    return model


def _fit_vocab(feature_sets: list[set[str]], labels: list[int], grams: list[str], c: float, max_iter: int,
               classes: tuple[str, ...], sample: np.ndarray) -> NgramModel:
    from scipy import sparse
    from scipy.optimize import minimize

    vocab = {g: i for i, g in enumerate(grams)}
    rows, cols, vals = [], [], []
    for r, feats in enumerate(feature_sets):
        idx = [vocab[g] for g in feats if g in vocab]
        rows += [r] * len(idx)
        cols += idx
        vals += [1.0 / math.sqrt(len(idx))] * len(idx)
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(feature_sets), len(vocab)))
    n, d, k = len(feature_sets), len(vocab), len(classes)
    y = np.eye(k)[labels]
    weight = sample[:, None]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = w[:d * k].reshape(d, k), w[d * k:]
        z = x @ weights + bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.sum(weight * y * np.log(p + 1e-12)) / n + 0.5 * np.sum(weights * weights) / (c * n)
        g = weight * (p - y) / n
        return value, np.concatenate([(x.T @ g + weights / (c * n)).ravel(), g.sum(axis=0)])

    result = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    weights, bias = result.x[:d * k].reshape(d, k), result.x[d * k:]
    return NgramModel(vocab, weights, bias, {}, classes)


def stratified_folds(labels: list[int], k: int, seed: int) -> list[int]:
    """Fold number for each example, every class spread evenly over the k folds."""
    rng = random.Random(seed)
    fold = [0] * len(labels)
    for c in set(labels):
        members = [i for i, y in enumerate(labels) if y == c]
        rng.shuffle(members)
        for j, i in enumerate(members):
            fold[i] = j % k
    return fold


def predict_main(classifier: Classifier, texts: list[str]) -> list[str]:
    return [classifier.classify(t).main_class for t in texts]


@click.command()
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False), help="CSV text,type[,domain]")
@click.option("--out", type=click.Path(dir_okay=False), default=str(MODEL_FILE), show_default=True)
@click.option("--folds", default=5, show_default=True, help="stratified CV folds (0 = no CV)")
@click.option("--c", "c_value", default=3.0, show_default=True, help="inverse L2 strength")
@click.option("--max-features", default=20000, show_default=True, help="keep this many most discriminative features")
@click.option("--blend", "blends", multiple=True, type=float, default=(0.0, 0.25, 0.5, 1.0), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--report", type=click.Path(dir_okay=False), default=None, help="write CV metrics as JSON here")
def main(data_path: str, out: str, folds: int, c_value: float, max_features: int, blends: tuple[float, ...], seed: int,
         report: str | None) -> None:
    """Train the model on all of DATA after measuring it (and the rules) with stratified k-fold CV."""
    texts, gold = read_labelled(data_path)
    labels = [MAIN_CLASSES.index(g) for g in gold]
    feature_sets = [features(normalize(t)) for t in texts]
    rules = load_rules(PACKAGE_RULES_DIR)
    results: dict[str, dict] = {}
    if folds:
        fold = stratified_folds(labels, folds, seed)
        predictions: dict[str, list[str]] = {"rules_only": [""] * len(texts)}
        predictions.update({f"model_blend_{b}": [""] * len(texts) for b in blends})
        for f in range(folds):
            started = time.perf_counter()
            train_idx = [i for i in range(len(texts)) if fold[i] != f]
            test_idx = [i for i in range(len(texts)) if fold[i] == f]
            model = fit([feature_sets[i] for i in train_idx], [labels[i] for i in train_idx], c_value,
                        max_features=max_features)
            test_texts = [texts[i] for i in test_idx]
            for i, p in zip(test_idx, predict_main(Classifier(rules, None), test_texts)):
                predictions["rules_only"][i] = p
            for b in blends:
                tuned = replace(rules, settings={**rules.settings, "blend": b})
                for i, p in zip(test_idx, predict_main(Classifier(tuned, model), test_texts)):
                    predictions[f"model_blend_{b}"][i] = p
            click.echo(f"fold {f + 1}/{folds}: {len(train_idx)} train, {len(test_idx)} test, "
                       f"{model.meta['features']} features, {time.perf_counter() - started:.1f}s", err=True)
        for name, predicted in predictions.items():
            results[name] = evaluate(gold, predicted)
            click.echo(f"\n== {name} ({folds}-fold stratified CV, seed {seed})\n{format_report(results[name])}")
        if report:
            Path(report).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    model = fit(feature_sets, labels, c_value, max_features=max_features)
    model.meta["source"] = Path(data_path).name
    model.save(out)
    click.echo(f"\nwrote {out}: {model.meta['features']} features from {len(texts)} messages")


if __name__ == "__main__":
    main()
