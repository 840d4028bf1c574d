"""Linli intents: a pure classifier of resident messages (intent, category, department, urgency, SLA) with evidence."""

from intents.api import (
    classify,
    default_classifier,
    departments,
    get_category,
    last_error,
    reload,
    rules_dir,
    taxonomy,
)
from intents.classifier import Classifier
from intents.model import NgramModel
from intents.rules import RuleError, RuleSet, load_rules
from intents.types import INTENTS, MAIN_CLASSES, Category, Classification

__all__ = [
    "INTENTS", "MAIN_CLASSES", "Category", "Classification", "Classifier", "NgramModel", "RuleError", "RuleSet",
    "classify", "default_classifier", "departments", "get_category", "last_error", "load_rules", "reload",
    "rules_dir", "taxonomy",
]
