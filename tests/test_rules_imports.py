"""The pure rules, and the enums they share with the models, load neither Flask nor the database.

Each module is imported in a fresh interpreter, since in this one the app is
loaded already. Modules are found on disk, so every rule added under
cadre/rules/ is held to this without editing the test.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "cadre" / "rules"
FORBIDDEN = ("flask", "sqlalchemy", "wtforms", "werkzeug")  # flask* covers the extensions


def rules_modules() -> list[str]:
    found = pkgutil.walk_packages([str(RULES_DIR)], prefix="cadre.rules.")
    return ["cadre.rules", *sorted(m.name for m in found)]


PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
forbidden = tuple(sys.argv[2].split(","))
print(json.dumps(sorted(n for n in sys.modules if n.split(".")[0].startswith(forbidden))))
"""


def modules_loaded_by_importing(module: str) -> list[str]:
    """The Flask/SQLAlchemy/WTForms/Werkzeug modules in sys.modules after importing `module` alone."""
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", PROBE, module, ",".join(FORBIDDEN)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_rules_module_is_found():
    on_disk = {f"cadre.rules.{path.stem}" for path in RULES_DIR.glob("*.py") if path.stem != "__init__"}
    assert "cadre.rules.training_record" in on_disk
    assert on_disk <= set(rules_modules())


@pytest.mark.parametrize("module", [*rules_modules(), "cadre.enums"])
def test_importing_a_rule_loads_neither_flask_nor_the_database(module):
    loaded = modules_loaded_by_importing(module)
    assert loaded == [], f"importing {module} loads {', '.join(loaded[:8])}"
