"""Lower apps' pages show what higher apps contribute through registries, never by loading their
template tags or including their partials."""

from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
HIGHER = {
    "accounts": ("hospitals", "appointments", "payments", "records", "chat", "notifications"),
    "hospitals": ("appointments", "payments", "records", "chat"),
}
TAG_LIBRARIES = {"hospitals": ("staff_navigation", "hospitals_tags"), "appointments": ("appointments_tags",),
                 "records": ("records_tags",), "chat": ("chat_tags",), "payments": ("payments_tags",)}


@pytest.mark.parametrize("app", sorted(HIGHER))
def test_lower_app_templates_neither_load_nor_include_higher_apps_pieces(app):
    offences = []
    for path in sorted((TEMPLATES / app).rglob("*.html")):
        source = path.read_text()
        for higher in HIGHER[app]:
            if f'{{% include "{higher}/' in source or f"{{% include '{higher}/" in source:
                offences.append(f"{path.relative_to(TEMPLATES)} includes a {higher} partial")
            for library in TAG_LIBRARIES.get(higher, ()):
                if any(library in line for line in source.splitlines() if "{% load" in line):
                    offences.append(f"{path.relative_to(TEMPLATES)} loads {library}")
    assert offences == []
