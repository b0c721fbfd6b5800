"""The staff bar on /manage/<hospital>/ pages: the same links for each role, whichever app registers them."""

import re
from types import SimpleNamespace

import pytest

from hospitals.navigation import nav_items_for
from hospitals.tests.factories import MembershipFactory

BAR = re.compile(r'<nav class="manage-subnav.*?</nav>', re.S)
LINK = re.compile(r'<a class="nav-link( active)?"( aria-current="page")? href="([^"]+)"><i class="bi bi-([\w-]+) me-1"'
                  r' aria-hidden="true"></i>([^<]+)</a>')

ADMIN_LINKS = [("departments/", "diagram-3", "Departments"), ("staff/", "people", "Staff"),
               ("doctors/applications/", "file-earmark-person", "Doctor applications")]
ADMIN_TAIL = [("payments/", "cash-coin", "Payments"), ("settings/", "gear", "Settings")]
DOCTOR_LINKS = [("queue/", "people", "Queue"), ("schedule/", "calendar-week", "Schedule"),
                ("patients/", "person-lines-fill", "Patients")]
OVERVIEW = [("", "grid", "Overview")]
RECEPTION = [("reception/", "calendar3", "Reception")]
LAB = [("lab/", "clipboard2-pulse", "Lab desk"), ("lab/orders/", "droplet", "Lab orders"),
       ("lab/tests/", "list-check", "Lab tests")]
PHARMACY = [("pharmacy/", "capsule", "Pharmacy")]
PHARMACY_DESK = PHARMACY + [("pharmacy/medicines/", "box-seam", "Medicines"),
                            ("pharmacy/orders/", "bag-check", "Medicine orders")]
EXPECTED = {
    "admin": (OVERVIEW + ADMIN_LINKS + [("schedule/", "calendar-week", "Schedules")] + ADMIN_TAIL + RECEPTION + PHARMACY
              + LAB),
    "doctor": OVERVIEW + DOCTOR_LINKS,
    "admin+doctor": OVERVIEW + ADMIN_LINKS + ADMIN_TAIL + DOCTOR_LINKS + RECEPTION + PHARMACY + LAB,
    "receptionist": OVERVIEW + RECEPTION,
    "lab_worker": OVERVIEW + LAB,
    "pharmacist": OVERVIEW + PHARMACY_DESK,
}


def _bar_links(response):
    return [(active, current, href, icon, label) for active, current, href, icon, label
            in LINK.findall(BAR.search(response.content.decode()).group(0))]


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_staff_bar_shows_each_roles_links_in_order(who, client_for, hospital, hospital_admin, doctor, receptionist,
                                                   lab_worker, pharmacist):
    user = {"admin": hospital_admin, "doctor": doctor, "admin+doctor": doctor, "receptionist": receptionist,
            "lab_worker": lab_worker, "pharmacist": pharmacist}[who]
    if who == "admin+doctor":
        MembershipFactory(hospital=hospital, role="admin", user=doctor)
    response = client_for(user).get(f"/manage/{hospital.slug}/", follow=True)

    links = _bar_links(response)

    base = f"/manage/{hospital.slug}/"
    assert [(href, icon, label) for _, _, href, icon, label in links] == [
        (base + path, icon, label) for path, icon, label in EXPECTED[who]]
    page = response.request["PATH_INFO"]
    assert [href for active, current, href, *_ in links if active and current] == [page]


@pytest.mark.django_db
def test_staff_bar_highlights_the_section_of_the_page(client_for, hospital, hospital_admin):
    response = client_for(hospital_admin).get(f"/manage/{hospital.slug}/payments/?page=1")

    highlighted = [(label, bool(current)) for active, current, href, icon, label in _bar_links(response) if active]

    assert highlighted == [("Payments", True)]


def test_a_patients_chart_highlights_patients_without_claiming_to_be_that_page():
    chart = SimpleNamespace(view_name="clinical:patient", app_name="clinical")

    items = {item["label"]: item for item in nav_items_for({"doctor"}, "green-life", chart)}

    assert items["Patients"]["active"] and not items["Patients"]["current"]
    assert not items["Queue"]["active"]


def test_no_role_no_staff_bar_links():
    assert nav_items_for(set(), "green-life") == []


def test_a_doctor_page_section_must_name_a_slot_the_page_has():
    from hospitals.doctor_page import register_doctor_section

    with pytest.raises(ValueError, match="sidebar"):
        register_doctor_section("ads", template="x.html", slot="sidebar")
