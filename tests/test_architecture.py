"""The dependency direction: channels are the only wechatpy users, the classifier and matcher are pure,
and nothing below the admin page imports it (the gateway only mounts it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_only_the_channel_module_imports_wechatpy():
    users = {path for pkg in ("bot", "intents", "knowledge_base", "admin")
             for path, names in imports_of(pkg).items() if "wechatpy" in top(names)}
    assert users == {"bot/channels/wechat.py"}


def test_the_classifier_depends_on_no_other_part_of_linli():
    for path, names in imports_of("intents").items():
        assert not top(names) & {"bot", "knowledge_base", "admin", "fastapi", "sqlalchemy", "sqlmodel"}, path


def test_the_faq_matcher_is_pure():
    names = imports_of("knowledge_base")["knowledge_base/matcher.py"]
    assert not top(names) & {"bot", "admin", "fastapi", "sqlalchemy", "sqlmodel"}


def test_nothing_below_the_admin_page_imports_it():
    for pkg in ("bot", "intents", "knowledge_base"):
        for path, names in imports_of(pkg).items():
            if path in ("bot/gateway.py", "bot/serve_cli.py", "bot/models_registry.py"):  # mount, demo, all tables
                continue
            assert "admin" not in top(names), path
