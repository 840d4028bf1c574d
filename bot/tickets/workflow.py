"""The transition table: (state, action) -> new state, and which roles may do it. Pure data, no database."""

from __future__ import annotations

from dataclasses import dataclass

HANDLER = "handler"  # the staff member the ticket is dispatched to, or any handler of its department
SYSTEM = "system"  # the survey flow and the scheduler, never a person
REVIEWERS = frozenset({"grid_worker", "grid_chief", "community_staff", "street_admin"})
DISPATCHERS = frozenset({"grid_chief", "community_staff", "street_admin"})
APPROVERS = DISPATCHERS  # who may approve a 延期
CLOSERS = REVIEWERS  # minus, per ticket, whoever reported, reviewed or handled it (巡办分离)


@dataclass(frozen=True)
class Rule:
    state: str
    action: str
    to: str
    roles: frozenset[str]
    label: str


TABLE: tuple[Rule, ...] = (
    Rule("submitted", "review", "under_review", REVIEWERS, "初审通过"),
    Rule("submitted", "reject", "closed", REVIEWERS, "初审不予受理（须说明理由）"),
    Rule("under_review", "dispatch", "dispatched", DISPATCHERS, "派单"),
    Rule("returned", "dispatch", "dispatched", DISPATCHERS, "重新派单"),
    Rule("dispatched", "accept", "in_progress", frozenset({HANDLER}), "接单办理"),
    Rule("dispatched", "return_ticket", "returned", frozenset({HANDLER}), "退单（须说明理由）"),
    Rule("in_progress", "return_ticket", "returned", frozenset({HANDLER}), "退单（须说明理由）"),
    Rule("in_progress", "resolve", "resolved", frozenset({HANDLER}), "办结"),
    Rule("dispatched", "reassign", "dispatched", DISPATCHERS, "改派（须说明理由）"),
    Rule("in_progress", "reassign", "dispatched", DISPATCHERS, "改派（须说明理由）"),
    Rule("dispatched", "extend", "dispatched", DISPATCHERS | {HANDLER}, "延期（须审批人）"),
    Rule("in_progress", "extend", "in_progress", DISPATCHERS | {HANDLER}, "延期（须审批人）"),
    Rule("resolved", "survey", "surveyed", frozenset({SYSTEM}), "回访：已解决、满意"),
    Rule("resolved", "close", "closed", CLOSERS, "关闭（仅无居民可回访时）"),
    Rule("surveyed", "close", "closed", CLOSERS | {SYSTEM}, "关闭"),
    Rule("resolved", "reopen", "dispatched", APPROVERS | {SYSTEM}, "重新办理"),
    Rule("surveyed", "reopen", "dispatched", APPROVERS, "重新办理"),
    Rule("closed", "reopen", "dispatched", APPROVERS, "重新办理（无处理人时回到初审）"),
    # the resident withdraws the report (「撤回」, 「已经修好了不用来了」), confirmed in the chat; never an emergency
    # or a ticket other residents' reports were merged into (those the staff verify)
    *(Rule(state, "withdraw", "closed", frozenset({SYSTEM}), "居民撤回")
      for state in ("submitted", "under_review", "dispatched", "in_progress", "returned")),
)
RULES = {(r.state, r.action): r for r in TABLE}
ACTIONS = tuple(dict.fromkeys(r.action for r in TABLE))
# the service function behind each action (buttons call these)
FUNCTION_OF = {"reject": "review", "survey": "record_survey"}


def rule(state: str, action: str) -> Rule | None:
    return RULES.get((state, action))


def table_markdown() -> str:
    """The table as Markdown, for docs/tickets.md."""
    lines = ["| from | action | to | who |", "| --- | --- | --- | --- |"]
    for r in TABLE:
        lines.append(f"| {r.state} | {r.action} ({r.label}) | {r.to} | {', '.join(sorted(r.roles))} |")
    return "\n".join(lines)
