"""The classifier stays pure: importing and running it pulls in no database, settings or web framework."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_classifier_imports_no_database_settings_or_web_framework() -> None:
    code = ("import sys, json, intents; intents.classify('楼道灯坏了'); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'sqlalchemy','sqlmodel','fastapi','starlette','pydantic_settings','alembic'} or m.startswith('bot'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_jieba_is_loaded_lazily_not_at_import() -> None:
    code = "import sys, intents; print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_line_with_no_near_keyword_needs_no_jieba_and_warm_up_loads_it() -> None:
    code = ("import sys, intents; c = intents.default_classifier(); r = c.classify('我们小区的花园很漂亮');"
            "print('jieba' in sys.modules); c.warm_up(); print('jieba' in sys.modules);"
            "print(c.classify('楼下有煤汽味').intent)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "emergency"]
