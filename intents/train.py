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


METHODS = ("nbsvm", "lr")
DEFAULT_C = {"nbsvm": 1.0, "lr": 3.0}  # each method's best C in 5-fold CV on the intents (docs/classifier.md)


def fit(feature_sets: list[set[str]], labels: list[int], c: float | None = None, min_df: int = 2, max_features: int = 0,
        max_iter: int = 200, classes: tuple[str, ...] = MAIN_CLASSES, balance: float = 0.0,
        method: str = "lr") -> NgramModel:
    """One linear weight table (d × classes, plus a bias) over binary L2-normalised features seen in ≥ min_df texts.

    method "lr": multinomial logistic regression. method "nbsvm": per class, a one-vs-rest logistic regression on
    the features scaled by that class's naive-Bayes log-count ratio r_c (Wang & Manning 2012); the class score is
    sum_j w_cj * r_cj * x_j + b_c, so the table stores w_cj * r_cj and inference is the same for both.
    With max_features, keep the features whose class weights differ most and fit again on those alone:
    a small vocabulary keeps lookups in cache and the weights file small. `balance` weighs each example
    by (share a class would have if all were equal / its class's share) ** balance: 0 plain, 1 fully balanced
    (for nbsvm it weighs each one-vs-rest loss).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    c = DEFAULT_C[method] if c is None else c
    df = Counter(g for feats in feature_sets for g in feats)
    grams = sorted(g for g, n in df.items() if n >= min_df)
    counts = np.bincount(labels, minlength=len(classes)).astype(float)
    sample = (len(labels) / (len(classes) * np.maximum(counts, 1.0)))[labels] ** balance
    sample /= sample.mean()
    model = _fit_vocab(feature_sets, labels, grams, c, max_iter, classes, sample, method)
    if max_features and len(grams) > max_features:
        spread = model.weights.max(axis=1) - model.weights.min(axis=1)
        keep = sorted(grams[i] for i in np.argsort(-spread)[:max_features])
        model = _fit_vocab(feature_sets, labels, keep, c, max_iter, classes, sample, method)
    model.meta.update({"method": method, "c": c, "min_df": min_df, "max_features": max_features,
                       "n_train": len(feature_sets), "features": len(model.vocab), "balance": balance})
    return model


def _fit_vocab(feature_sets: list[set[str]], labels: list[int], grams: list[str], c: float, max_iter: int,
               classes: tuple[str, ...], sample: np.ndarray, method: str) -> NgramModel:
    from scipy import sparse

    vocab = {g: i for i, g in enumerate(grams)}
    rows, cols, vals = [], [], []
    for r, feats in enumerate(feature_sets):
        idx = [vocab[g] for g in feats if g in vocab]
        rows += [r] * len(idx)
        cols += idx
        vals += [1.0 / math.sqrt(len(idx))] * len(idx) if idx else []  # a text none of whose features was kept
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(feature_sets), len(vocab)))
    y = np.asarray(labels)
    fitter = _nbsvm if method == "nbsvm" else _multinomial
    weights, bias = fitter(x, y, c, max_iter, len(classes), sample)
    return NgramModel(vocab, weights, bias, {}, classes)


def _multinomial(x, y: np.ndarray, c: float, max_iter: int, k: int, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, examples weighted by `sample`, L2 penalty |W|² / (2 c n), L-BFGS."""
    from scipy.optimize import minimize

    n, d = x.shape
    onehot = np.eye(k)[y]
    weight = sample[:, None]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = w[:d * k].reshape(d, k), w[d * k:]
        z = x @ weights + bias
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.sum(weight * onehot * np.log(p + 1e-12)) / n + 0.5 * np.sum(weights * weights) / (c * n)
        g = weight * (p - onehot) / n
        return value, np.concatenate([(x.T @ g + weights / (c * n)).ravel(), g.sum(axis=0)])

    result = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return result.x[:d * k].reshape(d, k), result.x[d * k:]


def log_count_ratios(x, y: np.ndarray, k: int, alpha: float = 1.0) -> np.ndarray:
    """d × k: r_jc = log((alpha + texts of class c with feature j) / |.|_1) - the same over the other classes."""
    present = (x > 0).astype(np.float64)
    ratios = np.zeros((x.shape[1], k))
    for c in range(k):
        p = alpha + np.asarray(present[y == c].sum(axis=0)).ravel()
        q = alpha + np.asarray(present[y != c].sum(axis=0)).ravel()
        ratios[:, c] = np.log(p / p.sum()) - np.log(q / q.sum())
    return ratios


def _nbsvm(x, y: np.ndarray, c: float, max_iter: int, k: int, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NBSVM with a logistic loss, one-vs-rest, folded into one table: weights[j, c] = w_cj r_cj; each example's
    loss is weighted by `sample` (all ones unless `balance` is set)."""
    from scipy import sparse
    from scipy.optimize import minimize

    n, d = x.shape
    ratios = log_count_ratios(x, y, k)
    weights, bias = np.zeros_like(ratios), np.zeros(k)
    for cls in range(k):
        xk = x @ sparse.diags(ratios[:, cls])
        t = (y == cls).astype(np.float64)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = xk @ w[:d] + w[d]
            value = np.sum(sample * (np.logaddexp(0.0, z) - t * z)) / n + 0.5 * (w[:d] @ w[:d]) / (c * n)
            g = sample * (0.5 * (1.0 + np.tanh(0.5 * z)) - t) / n  # sigmoid(z) - t, without overflow
            return value, np.concatenate([xk.T @ g + w[:d] / (c * n), [g.sum()]])

        result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
        weights[:, cls], bias[cls] = result.x[:d] * ratios[:, cls], result.x[d]
    return weights, bias


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
@click.option("--method", type=click.Choice(METHODS), default="nbsvm", show_default=True,
              help="nbsvm: one-vs-rest LR on naive-Bayes-scaled features; lr: multinomial LR")
@click.option("--c", "c_value", default=None, type=float, help="inverse L2 strength [default: 1 for nbsvm, 3 for lr]")
@click.option("--max-features", default=20000, show_default=True, help="keep this many most discriminative features")
@click.option("--blend", "blends", multiple=True, type=float, default=(0.0, 0.25, 0.5, 1.0), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--report", type=click.Path(dir_okay=False), default=None, help="write CV metrics as JSON here")
def main(data_path: str, out: str, folds: int, method: str, c_value: float | None, max_features: int,
         blends: tuple[float, ...], seed: int, report: str | None) -> None:
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
                        max_features=max_features, method=method)
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
    model = fit(feature_sets, labels, c_value, max_features=max_features, method=method)
    model.meta["source"] = Path(data_path).name
    model.save(out)
    click.echo(f"\nwrote {out}: {model.meta['features']} features from {len(texts)} messages")


if __name__ == "__main__":
    main()
