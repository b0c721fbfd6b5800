"""Only healthstack.status assigns a model's ``status``: every other write is a defect.

Services move rows with ``locked(row).transition_to(...)`` so each move is checked against
the model's TRANSITIONS and leaves its history row; creating a row with its first status
(``objects.create(status=...)``) is fine.
"""

import ast
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from healthstack.testing import attribute_stores

PRIMITIVE = Path("healthstack/status.py")
ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
BULK_UPDATE = re.compile(r"\.update\((?:[^()]|\([^()]*\))*?\bstatus\s*=", re.DOTALL)


def _app_sources() -> list[Path]:
    root = Path(settings.BASE_DIR).resolve()
    files = set()
    for config in apps.get_app_configs():
        folder = Path(config.path).resolve()
        if folder.parent != root:
            continue  # Django's and third-party apps (a virtualenv may sit inside the project)
        for path in folder.rglob("*.py"):
            relative = path.relative_to(root)
            if {"tests", "migrations"} & set(relative.parts) or path.name.startswith("test_"):
                continue
            files.add(relative)
    return sorted(files)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _writes_outside_the_primitive(relative: Path, text: str) -> list[str]:
    """``file:line: what`` for each status write in ``text`` (the regexes, then the syntax tree for the rest)."""
    found = [(_line(text, m.start()), ".status =") for m in ASSIGNMENT.finditer(text)]
    found += [(_line(text, m.start()), "update(status=...)") for m in BULK_UPDATE.finditer(text)]
    for node in ast.walk(ast.parse(text)):
        found += [(line, ".status assigned") for line, _attr in attribute_stores(node, {"status"})]
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            arguments = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name == "setattr" and "status" in arguments:
                found.append((node.lineno, "setattr(..., 'status', ...)"))
            if name == "bulk_update" and any(
                isinstance(a, ast.List | ast.Tuple) and any(getattr(e, "value", None) == "status" for e in a.elts)
                for a in [*node.args, *(k.value for k in node.keywords)]
            ):
                found.append((node.lineno, "bulk_update(..., ['status'])"))
    first_per_line = dict(reversed(found))
    return [f"{relative}:{line}: {what}" for line, what in sorted(first_per_line.items())]


def test_status_is_assigned_only_by_the_status_machine():
    root = Path(settings.BASE_DIR).resolve()
    sources = _app_sources()
    assert PRIMITIVE in sources and Path("appointments/services.py") in sources
    offenders = []
    for relative in sources:
        if relative != PRIMITIVE:
            offenders += _writes_outside_the_primitive(relative, (root / relative).read_text())
    assert offenders == [], "Move status with healthstack.status (locked(row).transition_to):\n" + "\n".join(offenders)


def test_the_status_check_catches_each_kind_of_write():
    samples = {
        "row.status = 'paid'": 1,
        "old.status, old.superseded_by = 'superseded', new": 1,
        "row.status += 'x'": 1,
        "setattr(row, 'status', 'paid')": 1,
        "Payment.objects.filter(pk=1).update(\n    hold=None, status='expired')": 1,
        "Appointment.objects.bulk_update(rows, ['status'])": 1,
        "if row.status == 'paid' and row.status != 'x': pass": 0,
        "Appointment.objects.create(status='requested')": 0,
        "rows.filter(status='paid').update(hold=None)": 0,
    }
    for source, expected in samples.items():
        assert len(_writes_outside_the_primitive(Path("x.py"), source)) == expected, source
