"""The import contracts in .importlinter hold, and an import that breaks one fails the check.

`make test` runs lint-imports itself; these tests let `make test ARGS=...` and a bare pytest
run see a broken contract too.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = ["config", "healthstack", "accounts", "hospitals", "appointments", "records", "labs", "pharmacy", "payments",
        "notifications", "chat"]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env={"PYTHONPATH": str(root)},
                          capture_output=True, text=True, timeout=120)


def test_import_contracts_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def copy_of_the_code(tmp_path):
    """The apps' Python files and the contract, copied aside so a test can add a wrong import."""
    for app in APPS:
        shutil.copytree(REPO / app, tmp_path / app, ignore=shutil.ignore_patterns("*.pyc", "__pycache__", "fonts",
                                                                                  "*.html", "*.ttf"))
    shutil.copy(REPO / ".importlinter", tmp_path)
    return tmp_path


@pytest.mark.parametrize("module, wrong_import, broken", [
    ("accounts/models.py", "from hospitals.models import Hospital", "accounts is not allowed to import hospitals"),
    ("hospitals/services.py", "from appointments import services", "hospitals is not allowed to import appointments"),
    ("healthstack/context_processors.py", "from notifications.models import Notification",
     "healthstack is not allowed to import notifications"),
    ("payments/services.py", "from appointments.models import Appointment",
     "payments is not allowed to import appointments"),
    ("notifications/services.py", "from hospitals.models import Membership",
     "notifications is not allowed to import hospitals"),
    ("appointments/services.py", "from chat.models import Conversation", "appointments is not allowed to import chat"),
    ("appointments/models.py", "from appointments import views", "appointments.models -> appointments.views"),
    ("records/services.py", "from labs.models import LabOrder", "records is not allowed to import labs"),
    ("payments/services.py", "from labs.models import LabOrder", "payments is not allowed to import labs"),
    ("labs/services/orders.py", "from chat.models import Conversation", "labs is not allowed to import chat"),
    ("payments/services.py", "from pharmacy.models import MedicineOrder", "payments is not allowed to import pharmacy"),
    ("records/services.py", "from pharmacy import services", "records is not allowed to import pharmacy"),
    ("pharmacy/services/orders.py", "from chat.models import Conversation", "pharmacy is not allowed to import chat"),
    ("labs/services/results.py", "from pharmacy.models import Medicine", "labs is not allowed to import pharmacy"),
    # The kernel imports no app, nor the wiring that gathers them.
    ("healthstack/pdf.py", "from hospitals.models import Hospital",
     "healthstack is the shared kernel and imports no app BROKEN"),
    ("healthstack/mail.py", "from chat.models import Message",
     "healthstack is the shared kernel and imports no app BROKEN"),
    ("healthstack/pages.py", "from config.urls import urlpatterns",
     "healthstack is the shared kernel and imports no app BROKEN"),
    ("hospitals/services.py", "from config import urls", "hospitals is not allowed to import config"),
])
def test_a_wrong_import_breaks_a_contract(copy_of_the_code, module, wrong_import, broken):
    path = copy_of_the_code / module
    path.write_text(path.read_text() + f"\n{wrong_import}  # noqa\n")

    result = lint_imports(copy_of_the_code)

    assert result.returncode == 1
    assert broken in " ".join(result.stdout.split())
