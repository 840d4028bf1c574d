"""Value types returned by the classifier: Classification and Category, plus the intent and SLA vocabularies."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

INTENTS = (
    "question",
    "service_request",
    "complaint",
    "suggestion",
    "emergency",
    "police",
    "greeting",
    "thanks",
    "human",
    "status_query",
    "unknown",
)
MAIN_CLASSES = ("question", "complaint_or_request", "suggestion")
# grid: the place's 网格员 reviews it first; department: a 职能部门 handles it; community: reviewed above the grid by
# the community (a complaint about the grid worker's own conduct must not land with that grid worker)
HANDLER_TYPES = ("grid", "department", "community")
URGENCIES = ("emergency", "high", "normal")
SLA_HOURS = {"emergency": 2, "utility": 24, "ordinary": 7 * 24, "complex": 15 * 24}


@dataclass(frozen=True, eq=False)  # identity hash: categories are dict keys on the hot path
class Category:
    """One community category (二级分类) and how it is routed."""

    name: str
    department: str
    handler_type: str
    sla: str
    keywords: tuple[str, ...] = ()
    on_site: bool = True  # False: a matter of papers (证明开具), with no site to name or photograph
    photo: bool = True  # False: a place to go to but nothing there to photograph (养老: a person who needs help)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "department": self.department,
                "handler_type": self.handler_type, "sla": self.sla, "on_site": self.on_site, "photo": self.photo}


@dataclass(frozen=True)
class Classification:
    """What the classifier concluded about one message, with the evidence for it."""

    intent: str
    confidence: float
    category: str | None = None
    department: str | None = None
    handler_type: str = "grid"
    urgency: str = "normal"
    sla: str = "ordinary"
    scores: dict[str, float] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    needs_clarification: bool = False
    clarifying_question: str | None = None
    safety_reply: str | None = None
    redirect_reply: str | None = None
    advice: str | None = None  # what to do now, of a rule with `advice:` (被狗咬了: rinse, vaccine within 24 h)

    def rule_fired_for(self, *intents: str) -> bool:
        """Whether a rule (not the model, not a category) of one of `intents` fired: 坏了 for service_request,
        投诉/没人管 for complaint."""
        return any(e.get("intent") in intents for e in self.evidence)

    @property
    def sla_hours(self) -> int:
        return SLA_HOURS[self.sla]

    @property
    def main_class(self) -> str:
        """The three-way label used for evaluation (question / complaint_or_request / suggestion)."""
        if self.intent in ("question", "suggestion"):
            return self.intent
        if self.intent in ("complaint", "service_request", "emergency", "police"):
            return "complaint_or_request"
        main = {
            "question": self.scores.get("question", 0.0),
            "complaint_or_request": self.scores.get("complaint", 0.0) + self.scores.get("service_request", 0.0),
            "suggestion": self.scores.get("suggestion", 0.0),
        }
        return max(MAIN_CLASSES, key=main.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy; built by hand because dataclasses.asdict deep-copies every evidence item (slow)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["scores"] = dict(self.scores)
        data["evidence"] = [dict(e) for e in self.evidence]
        data["sla_hours"] = self.sla_hours
        return data
