from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import PatientProfile, User
from healthstack.models import OutgoingEmail
from hospitals.demo import DEMO_PASSWORD, OPERATOR_EMAIL, PENDING_DOCTOR, seed
from hospitals.models import Department, DoctorCertificate, Hospital, Membership
from notifications.models import Notification

pytestmark = pytest.mark.django_db

Role, Status = Membership.Role, Membership.Status


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())  # an app still without migrations has none
    return {model._meta.label: model.objects.count()
            for model in apps.get_models() if model._meta.db_table in tables}


def test_seed_demo_twice_creates_nothing_new(seeded_demo):
    first = row_counts()
    call_command("seed_demo", "--quiet")
    assert row_counts() == first
    assert first["accounts.User"] >= 30


def test_seed_demo_second_run_reports_nothing_created(seeded_demo):
    assert sum(seed().created.values()) == 0


def test_seed_demo_lists_hospitals_in_three_cities_with_departments_and_staff(seeded_demo):
    listed = Hospital.objects.listed()
    assert listed.count() >= 3
    assert listed.values("city").distinct().count() >= 3
    assert Hospital.objects.filter(status=Hospital.Status.PENDING).exists()
    for hospital in listed:
        assert hospital.time_zone == "Asia/Dhaka"
        assert Department.objects.for_hospital(hospital).active().count() >= 4
        staff_roles = set(hospital.memberships.approved().values_list("role", flat=True))
        assert {Role.ADMIN, Role.RECEPTIONIST, Role.LAB_WORKER, Role.PHARMACIST} <= staff_roles


def test_seed_demo_doctors_are_bookable_with_one_free_and_one_at_two_hospitals(seeded_demo):
    bookable = Membership.objects.bookable()
    assert bookable.count() >= 12
    assert all(m.department.hospital_id == m.hospital_id for m in bookable.with_people())
    assert bookable.filter(consultation_fee=0).exists()
    assert bookable.filter(user__email="dr.farhana@healthstack.test").count() == 2


def test_seed_demo_pending_application_has_certificate_in_private_storage(seeded_demo, settings):
    application = Membership.objects.get(user__email=PENDING_DOCTOR.email, role=Role.DOCTOR)
    assert application.status == Status.PENDING
    certificate = DoctorCertificate.objects.get(membership=application)
    assert certificate.kind == "pdf"
    path = Path(certificate.file.path)
    assert path.is_file() and path.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert path.read_bytes().startswith(b"%PDF-")


def test_seed_demo_patients_have_full_profiles_and_one_without_sharing(seeded_demo):
    profiles = PatientProfile.objects.filter(user__email__endswith="@healthstack.test")
    assert profiles.count() >= 5
    for profile in profiles:
        assert profile.date_of_birth and profile.sex and profile.blood_group and profile.address
        assert profile.emergency_contact_name and profile.emergency_contact_phone
    assert profiles.filter(sharing_consent=False).exists()


def test_seed_demo_accounts_share_the_demo_password(seeded_demo):
    operator = User.objects.get(email=OPERATOR_EMAIL)
    assert operator.is_superuser and operator.is_staff
    for email in (OPERATOR_EMAIL, "admin@dhaka-central.test", "dr.anwar@healthstack.test",
                  "patient1@healthstack.test"):
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)


def test_seed_demo_login_page_accepts_demo_account(seeded_demo, client):
    response = client.post(reverse("accounts:login"),
                           {"username": "reception@dhaka-central.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="reception@dhaka-central.test").pk)


def _role_of(user: User) -> str:
    """The role a demo login's row must name, read from the data rather than from the demo's table."""
    if user.is_superuser:
        return "Operator"
    if hasattr(user, "doctor_profile"):
        return "Doctor"
    if hasattr(user, "patient_profile"):
        return "Patient"
    return Role(user.memberships.get().role).label


def test_seed_demo_prints_every_demo_login_with_its_role_as_the_readme_promises(seeded_demo, capsys):
    call_command("seed_demo")
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines() if " | " in line]
    header, logins = rows[0], {row[2].strip(): row for row in rows[1:]}
    assert [cell.strip() for cell in header] == ["Role", "Hospital", "Email", "Password"]

    users = User.objects.exclude(email="")
    assert users.count() >= 30
    assert set(logins) == {user.email for user in users}
    for user in users:
        role, _hospital, _email, password = logins[user.email]
        assert _role_of(user).lower() in role.lower(), (user.email, role)
        assert password.strip() == DEMO_PASSWORD


def test_seed_demo_leaves_no_email_to_send(seeded_demo):
    # The demo's bookings, reports and orders told their people in the app...
    assert Notification.objects.filter(user__email="patient1@healthstack.test").exists()
    # ...but their addresses are made up: no email is written, so a first `make run` prints none.
    assert not OutgoingEmail.objects.exists()
