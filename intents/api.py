"""The module-level default classifier: rules directory from LINLI_RULES_DIR, lazy load, cheap change detection, reload."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from intents.classifier import Classifier
from intents.model import DEPARTMENT_MODEL_FILE, MODEL_FILE, NgramModel
from intents.rules import PACKAGE_RULES_DIR, RuleError, load_rules, rule_files_signature
from intents.types import Category, Classification

log = logging.getLogger("intents")
CHECK_EVERY = 1.0  # seconds between two looks at the rule files' mtimes


def rules_dir() -> Path:
    """The rules directory in force: $LINLI_RULES_DIR if set (the admin page edits a copy), else the packaged rules."""
    return Path(os.environ.get("LINLI_RULES_DIR") or PACKAGE_RULES_DIR)


def load_model(path: Path = MODEL_FILE) -> NgramModel | None:
    """The packaged n-gram model, or None (rules only) when the weights file is absent."""
    if not path.exists():
        log.warning("intents: no model weights at %s; classifying with rules only", path)
        return None
    return NgramModel.load(path)


def load_department_model(path: Path = DEPARTMENT_MODEL_FILE) -> NgramModel | None:
    """The packaged department model (any department names), or None (departments from the rules alone)."""
    if not path.exists():
        log.warning("intents: no department model at %s; departments from the rules only", path)
        return None
    return NgramModel.load(path, classes=None)


class _Default:
    """Holds the current Classifier; swaps it when the rule files change and keeps it when they are broken."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.classifier: Classifier | None = None
        self.model: NgramModel | None = None
        self.department_model: NgramModel | None = None
        self.model_loaded = False
        self.directory: Path | None = None
        self.signature: tuple = ()
        self.checked_at = 0.0
        self.last_error: str | None = None

    def reload(self, directory: Path | None = None) -> Classifier:
        with self.lock:
            directory = Path(directory) if directory is not None else rules_dir()
            signature = rule_files_signature(directory)
            try:
                rules = load_rules(directory)
            except RuleError as exc:
                self.last_error = str(exc)
                self.signature, self.directory, self.checked_at = signature, directory, time.monotonic()
                raise
            if not self.model_loaded:
                self.model, self.department_model, self.model_loaded = load_model(), load_department_model(), True
            self.classifier = Classifier(rules, self.model, self.department_model)
            self.directory, self.signature, self.last_error = directory, signature, None
            self.checked_at = time.monotonic()
            return self.classifier

    def get(self) -> Classifier:
        now = time.monotonic()
        if self.classifier is not None and now - self.checked_at < CHECK_EVERY:
            return self.classifier
        directory = rules_dir()
        if self.classifier is None or directory != self.directory or rule_files_signature(directory) != self.signature:
            try:
                return self.reload(directory)
            except RuleError as exc:
                if self.classifier is None:
                    raise
                log.error("intents: rule files not reloaded, previous rules stay in force: %s", exc)
        self.checked_at = now
        return self.classifier


_default = _Default()


def default_classifier() -> Classifier:
    """The shared Classifier, reloaded (at most one mtime check a second) when the rule files change."""
    return _default.get()


def reload(directory: str | Path | None = None) -> Classifier:
    """Load the rules now; raise RuleError (naming file and problem) and keep the previous rules if they are bad."""
    return _default.reload(Path(directory) if directory is not None else None)


def last_error() -> str | None:
    """The error of the last failed (re)load, or None when the rules in force are the latest files."""
    return _default.last_error


def classify(text: str) -> Classification:
    """Classify one resident message with the default classifier."""
    return default_classifier().classify(text)


def taxonomy() -> list[Category]:
    """All community categories with their department, handler_type and sla class."""
    return list(default_classifier().rules.categories)


def get_category(name: str) -> Category | None:
    """One community category by name, or None."""
    return default_classifier().rules.category(name)


def departments() -> list[str]:
    """The department domains (一级分类) in taxonomy order."""
    return list(default_classifier().rules.departments)
