"""Train the department model from the `domain` column of a labelled CSV, report k-fold CV figures, write the weights.

    python -m intents.train_departments --data ../shared/data/messages_dev.csv

The mailbox's domains are mapped onto our departments by metrics.DEPARTMENT_OF_DOMAIN; letters with a blank or
unmapped domain are left out. Every fold is classified by the full Classifier (rules + this model), as in production.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import click

from intents.classifier import Classifier
from intents.metrics import department_metrics, format_report, read_departments
from intents.model import DEPARTMENT_MODEL_FILE, features
from intents.rules import PACKAGE_RULES_DIR, load_rules
from intents.text import normalize
from intents.train import METHODS, fit, stratified_folds


def predict(classifier: Classifier, texts: list[str]) -> list[str | None]:
    return [classifier.classify(t).department for t in texts]


@click.command()
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False), help="CSV text,type,domain")
@click.option("--out", type=click.Path(dir_okay=False), default=str(DEPARTMENT_MODEL_FILE), show_default=True)
@click.option("--folds", default=5, show_default=True, help="stratified CV folds (0 = no CV)")
@click.option("--method", type=click.Choice(METHODS), default="nbsvm", show_default=True,
              help="lr: multinomial logistic regression; nbsvm: one-vs-rest on naive-Bayes-scaled features")
@click.option("--c", "c_value", default=16.0, show_default=True, help="inverse L2 strength (lr was best at 3)")
@click.option("--balance", default=0.5, show_default=True, help="class weighting: 0 none, 1 fully balanced")
@click.option("--max-features", default=20000, show_default=True)
@click.option("--blend", "blends", multiple=True, type=float, default=(0.2,), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--report", type=click.Path(dir_okay=False), default=None, help="write CV metrics as JSON here")
def main(data_path: str, out: str, folds: int, method: str, c_value: float, balance: float, max_features: int,
         blends: tuple[float, ...], seed: int, report: str | None) -> None:
    """Measure the rules and the department model with stratified k-fold CV, then train on all of DATA."""
    rules = load_rules(PACKAGE_RULES_DIR)
    all_texts, all_departments = read_departments(data_path)
    pairs = [(t, d) for t, d in zip(all_texts, all_departments) if d is not None]
    if not pairs:
        raise click.UsageError(f"{data_path}: no row has a domain that maps to a department")
    texts, gold = [t for t, _ in pairs], [d for _, d in pairs]
    present = set(gold)
    classes = tuple(d for d in rules.departments if d in present)
    labels = [classes.index(d) for d in gold]
    feature_sets = [features(normalize(t)) for t in texts]
    click.echo(f"{len(texts)} of {len(all_texts)} rows have a department; classes: {', '.join(classes)}", err=True)
    if folds:
        fold = stratified_folds(labels, folds, seed)
        predictions: dict[str, list[str | None]] = {"rules_only": [None] * len(texts)}
        predictions.update({f"model_blend_{b}": [None] * len(texts) for b in blends})
        for f in range(folds):
            started = time.perf_counter()
            train = [i for i in range(len(texts)) if fold[i] != f]
            test = [i for i in range(len(texts)) if fold[i] == f]
            model = fit([feature_sets[i] for i in train], [labels[i] for i in train], c_value,
                        max_features=max_features, classes=classes, balance=balance, method=method)
            held = [texts[i] for i in test]
            for i, p in zip(test, predict(Classifier(rules), held)):
                predictions["rules_only"][i] = p
            for b in blends:
                tuned = replace(rules, settings={**rules.settings, "department_blend": b})
                for i, p in zip(test, predict(Classifier(tuned, None, model), held)):
                    predictions[f"model_blend_{b}"][i] = p
            click.echo(f"fold {f + 1}/{folds}: {len(train)} train, {len(test)} test, {time.perf_counter() - started:.1f}s",
                       err=True)
        results = {name: department_metrics(gold, predicted, tuple(rules.departments))
                   for name, predicted in predictions.items()}
        for name, metrics in results.items():
            click.echo(f"\n== {name} ({folds}-fold stratified CV, seed {seed})\n{format_report(metrics)}")
        if report:
            Path(report).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    model = fit(feature_sets, labels, c_value, max_features=max_features, classes=classes, balance=balance,
                method=method)
    model.meta["source"] = Path(data_path).name
    model.save(out)
    click.echo(f"\nwrote {out}: {model.meta['features']} features, {len(classes)} departments, {len(texts)} letters")


if __name__ == "__main__":
    main()
