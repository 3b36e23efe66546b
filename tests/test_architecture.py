"""The layers stay what the tree says they are: the pure packages import no web framework, no
database layer, no translation layer and read no clock, and no layer reaches up to a higher one."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

FACTORY = Path(__file__).resolve().parent.parent / "factory"
PURE = ("domain", "feasibility")
FORBIDDEN_IN_PURE = ("flask", "flask_babel", "flask_htmx", "flask_wtf", "werkzeug", "sqlalchemy", "sqlmodel",
                     "babel", "alembic", "factory.data", "factory.web", "factory.files", "factory.inputs")
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
# What each layer may not import: nothing below reaches up into the blueprints or the app.
BLUEPRINTS = ("factory.api", "factory.assess", "factory.auth", "factory.desk", "factory.floor",
              "factory.printing", "factory.staff")
# Data functions that still choose words (translated refusals) are being moved to codes; this list
# only shrinks.
KNOWN_DATA_WORDS: set[str] = set()
FORBIDDEN_BY_LAYER = {
    "data": BLUEPRINTS + ("factory.web", "factory.files", "flask_babel"),
    "files": BLUEPRINTS,
    "web": BLUEPRINTS,
    # Input models sit below the data layer (data functions take them): only the tables' enums.
    "inputs": BLUEPRINTS + ("factory.web", "factory.files", "factory.data.db", "factory.data.scans",
                            "factory.data.orders", "factory.data.workshop_setup", "factory.data.inquiries",
                            "factory.data.workforce", "flask"),
}


def modules(package: str) -> list[Path]:
    return sorted((FACTORY / package).rglob("*.py"))


def imported_names(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "factory":
                found += [(node.lineno, f"factory.{alias.name}") for alias in node.names]
    return found


def clock_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and (node.func.value.id, node.func.attr) in CLOCK_CALLS]


def breaks(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_no_framework_database_or_translations(package):
    offences = [f"{path.relative_to(FACTORY)}:{line} imports {name}"
                for path in modules(package) for line, name in imported_names(path)
                if breaks(name, FORBIDDEN_IN_PURE)]
    assert offences == []


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_read_no_clock(package):
    offences = [f"{path.relative_to(FACTORY)}:{line}" for path in modules(package) for line in clock_reads(path)]
    assert offences == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_BY_LAYER))
def test_lower_layers_do_not_reach_up(layer):
    offences = [f"{path.relative_to(FACTORY)}:{line} imports {name}"
                for path in modules(layer) for line, name in imported_names(path)
                if breaks(name, FORBIDDEN_BY_LAYER[layer]) and str(path.relative_to(FACTORY)) not in KNOWN_DATA_WORDS]
    assert offences == []


def test_the_check_sees_an_offence(tmp_path):
    """The checks above would notice: a module that imports Flask and reads the clock is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import g\nimport sqlalchemy.orm\nfrom datetime import datetime\nx = datetime.now()\n")
    assert [name for _, name in imported_names(bad) if breaks(name, FORBIDDEN_IN_PURE)] == ["flask", "sqlalchemy.orm"]
    assert clock_reads(bad) == [4]


def test_no_flat_modules_left_beside_the_packages():
    """factory/ holds the app factory, its settings, the CLI, input models and catalogs; the rest
    lives in a package that names its layer."""
    flat = sorted(p.name for p in FACTORY.glob("*.py"))
    assert flat == ["__init__.py", "catalogs.py", "cli.py", "config.py"]


def test_input_models_live_in_one_place_under_one_naming_scheme():
    """Every pydantic model of what people send is in factory/inputs and is named <Thing>In."""
    found = {}
    for path in sorted(FACTORY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") in ("Input", "BaseModel") or
                                                      getattr(b, "id", "").endswith("In") for b in node.bases):
                found[node.name] = str(path.relative_to(FACTORY))
    inputs = {name: where for name, where in found.items() if name not in ("Input", "Out")}
    assert inputs and all(where.startswith("inputs/") for name, where in inputs.items() if name != "Out"), inputs
    assert all(name.endswith("In") for name in inputs), sorted(n for n in inputs if not n.endswith("In"))
