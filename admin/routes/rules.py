"""Intent rules and categories: view and edit the YAML files (validated before saving) and 试一试 a message."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from admin import crud
from admin.deps import ADMIN_ONLY, PROTECTED, SessionDep, StaffDep, client_ip
from admin.views import NotFoundPage, render

router = APIRouter(prefix="/rules", dependencies=[*PROTECTED, ADMIN_ONLY])
FILES = {"intents.yaml": "意图规则", "taxonomy.yaml": "分类与部门", "userdict.txt": "分词词典"}


def _dir() -> Path:
    import intents

    return intents.rules_dir()


def editable() -> bool:
    """Only a separate, writable copy (LINLI_RULES_DIR) is edited, never the packaged rules."""
    from intents.rules import PACKAGE_RULES_DIR

    directory = _dir()
    return directory.resolve() != PACKAGE_RULES_DIR.resolve() and os.access(directory, os.W_OK)


def validate(name: str, text: str) -> None:
    """Load the whole rule set with this file replaced, in a scratch copy; raises RuleError when it is bad."""
    from intents.rules import RULE_FILES, load_rules

    with tempfile.TemporaryDirectory() as scratch:
        for other in RULE_FILES:
            if (_dir() / other).exists():
                shutil.copy(_dir() / other, Path(scratch) / other)
        (Path(scratch) / name).write_text(text, encoding="utf-8")
        load_rules(scratch)


def save(name: str, text: str) -> None:
    """Keep the previous file as .bak, replace atomically, then reload the classifier."""
    import intents

    target = _dir() / name
    if target.exists():
        shutil.copy(target, target.with_suffix(target.suffix + ".bak"))
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    intents.reload()


def _page(request: Request, name: str, *, text: str | None = None, error: str | None = None, saved: bool = False,
          status_code: int = 200) -> Response:
    import intents

    if text is None:
        text = (_dir() / name).read_text(encoding="utf-8")
    return render(request, "rules.html", {
        "files": FILES, "name": name, "text": text, "error": error, "saved": saved, "editable": editable(),
        "directory": str(_dir()), "categories": intents.taxonomy()}, status_code=status_code)


@router.get("")
def rules_home(request: Request) -> Response:
    """The 试一试 box and the intent rules file."""
    return _page(request, "intents.yaml")


@router.get("/file/{name}")
def rules_file(request: Request, name: str) -> Response:
    """One rule file."""
    if name not in FILES:
        raise NotFoundPage("没有这个规则文件。")
    return _page(request, name)


@router.post("/file/{name}")
def rules_save(request: Request, session: SessionDep, staff: StaffDep, name: str,
               text: Annotated[str, Form(max_length=500_000)]) -> Response:
    """Validate, then save; a bad file is refused with the reason and the edited text stays in the box."""
    from intents.rules import RuleError

    if name not in FILES:
        raise NotFoundPage("没有这个规则文件。")
    if not editable():
        return _page(request, name, text=text, error="规则目录只读：请设置 LINLI_RULES_DIR 指向一份可写的规则副本。",
                     status_code=409)
    try:
        validate(name, text)
    except RuleError as exc:
        return _page(request, name, text=text, error=f"没有保存，规则有错误：{exc}", status_code=400)
    save(name, text)
    crud.audit(session=session, staff=staff, action="rules.save", target=f"rules:{name}", ip=client_ip(request))
    return _page(request, name, saved=True)


@router.post("/try")
def try_it(request: Request, text: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
    """How a message is classified, and why."""
    import intents

    return render(request, "_classification.html", {"c": intents.classify(text).to_dict(), "text": text})
