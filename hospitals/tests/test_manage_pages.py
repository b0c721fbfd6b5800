"""The hospital admin's desk: the role matrix and each page's behaviour."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hospitals import services
from hospitals.models import Department, DoctorCertificate, Membership, StaffInvitation
from hospitals.tests.factories import DepartmentFactory, MembershipFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ADMIN_GET_PAGES = [
    ("manage:settings", {}),
    ("manage:departments", {}),
    ("manage:department-new", {}),
    ("manage:staff", {}),
    ("manage:staff-invite", {}),
    ("manage:applications", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,kwargs", ADMIN_GET_PAGES)
def test_admin_pages_role_matrix(name, kwargs, client_for, hospital, hospital_admin, receptionist, doctor):
    url = reverse(name, kwargs={"hospital_slug": hospital.slug, **kwargs})
    assert client_for(hospital_admin).get(url).status_code == 200
    assert client_for(receptionist).get(url).status_code == 403
    assert client_for(doctor).get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "doctor", "receptionist", "lab_worker", "pharmacist"])
def test_dashboard_open_to_every_staff_role(role, client_for, hospital):
    user = MembershipFactory(hospital=hospital, role=role).user
    response = client_for(user).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True)
    assert response.status_code == 200  # the front desk's home is the reception board (tests/test_role_homes.py)
    assert hospital.name in response.content.decode()


@pytest.mark.django_db
def test_suspended_and_pending_members_are_outsiders(client_for, hospital):
    suspended = MembershipFactory(hospital=hospital, role="receptionist", status="suspended").user
    pending = MembershipFactory(hospital=hospital, role="doctor", status="pending").user
    url = reverse("manage:dashboard", args=[hospital.slug])
    assert client_for(suspended).get(url).status_code == 404
    assert client_for(pending).get(url).status_code == 404


@pytest.mark.django_db
def test_admin_dashboard_counts(client_for, hospital, hospital_admin, doctor):
    MembershipFactory(hospital=hospital, role="doctor", status="pending")
    response = client_for(hospital_admin).get(reverse("manage:dashboard", args=[hospital.slug]))
    counts = response.context["counts"]
    assert counts["doctors"] == 1 and counts["pending"] == 1 and counts["staff"] == 1


@pytest.mark.django_db
def test_department_create_edit_deactivate(client_for, hospital, hospital_admin):
    client = client_for(hospital_admin)
    response = client.post(reverse("manage:department-new", args=[hospital.slug]),
                           {"name": "Neurology", "description": "Brain and nerves"})
    assert response.status_code == 302
    department = Department.objects.get(hospital=hospital, name="Neurology")
    assert department.slug == "neurology"

    duplicate = client.post(reverse("manage:department-new", args=[hospital.slug]), {"name": "neurology"})
    assert duplicate.status_code == 200
    assert "already has a department" in duplicate.content.decode()
    assert Department.objects.filter(hospital=hospital).count() == 1

    client.post(reverse("manage:department-edit", args=[hospital.slug, department.pk]), {"name": "Neuro Sciences"})
    department.refresh_from_db()
    assert department.name == "Neuro Sciences" and department.slug == "neurology"

    client.post(reverse("manage:department-toggle", args=[hospital.slug, department.pk]))
    department.refresh_from_db()
    assert department.is_active is False
    public = client.get(reverse("hospitals:department-detail", args=[hospital.slug, department.slug]))
    assert public.status_code == 404


@pytest.mark.django_db
def test_department_of_other_hospital_is_404(client_for, hospital, other_hospital, hospital_admin):
    foreign = DepartmentFactory(hospital=other_hospital)
    client = client_for(hospital_admin)
    assert client.get(reverse("manage:department-edit", args=[hospital.slug, foreign.pk])).status_code == 404
    assert client.post(reverse("manage:department-toggle", args=[hospital.slug, foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


@pytest.mark.django_db
def test_state_changes_refuse_get(client_for, hospital, hospital_admin, department):
    url = reverse("manage:department-toggle", args=[hospital.slug, department.pk])
    assert client_for(hospital_admin).get(url).status_code == 405


def _apply(client, hospital, department, files, fee="700.00"):
    return client.post(reverse("hospitals:apply", args=[hospital.slug]), {
        "department": department.pk, "consultation_fee": fee, "cover_letter": "Ten years in cardiology.",
        "certificates": files,
    })


@pytest.mark.django_db
def test_certificate_downloads_under_a_name_from_what_it_is(client_for, hospital, hospital_admin, department):
    from accounts.tests.factories import DoctorFactory
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(png, format="PNG")
    applicant = DoctorFactory()
    _apply(client_for(applicant), hospital, department,
           [SimpleUploadedFile("poly.html", png.getvalue(), content_type="text/html")])
    certificate = DoctorCertificate.objects.get(membership__user=applicant)

    download = client_for(hospital_admin).get(reverse("manage:certificate", args=[hospital.slug, certificate.pk]))

    assert download["Content-Disposition"] == f'attachment; filename="certificate-{certificate.pk}.png"'
    assert download["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_doctor_application_approved_end_to_end(client_for, hospital, hospital_admin, department,
                                                django_capture_on_commit_callbacks):
    from accounts.tests.factories import DoctorFactory

    applicant = DoctorFactory(full_name="Farhana Kabir")
    with django_capture_on_commit_callbacks(execute=True):
        response = _apply(client_for(applicant), hospital, department,
                      [SimpleUploadedFile("mbbs.pdf", PDF_BYTES, content_type="application/pdf")])
    assert response.status_code == 302
    membership = Membership.objects.get(user=applicant, hospital=hospital)
    assert membership.status == "pending"
    certificate = membership.certificates.get()
    assert certificate.kind == "pdf" and certificate.original_name == "mbbs.pdf"
    assert any("New doctor application" in m.subject for m in mail.outbox)

    admin = client_for(hospital_admin)
    detail = admin.get(reverse("manage:application-detail", args=[hospital.slug, membership.pk]))
    assert "Farhana Kabir" in detail.content.decode()

    download = admin.get(reverse("manage:certificate", args=[hospital.slug, certificate.pk]))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == f'attachment; filename="certificate-{certificate.pk}.pdf"'
    assert b"".join(download.streaming_content) == PDF_BYTES

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("manage:application-approve", args=[hospital.slug, membership.pk]),
                   {"department": department.pk, "consultation_fee": "900.00"})
    membership.refresh_from_db()
    assert membership.status == "approved" and membership.consultation_fee == Decimal("900.00")
    assert [m.to for m in mail.outbox] == [[applicant.email]]

    dashboard = client_for(applicant).get(reverse("dashboard"))
    assert dashboard["Location"] == reverse("manage:dashboard", args=[hospital.slug])


@pytest.mark.django_db
def test_application_rejection_needs_reason_and_emails(client_for, hospital, hospital_admin, department,
                                                       django_capture_on_commit_callbacks):
    membership = MembershipFactory(hospital=hospital, department=department, status="pending")
    admin = client_for(hospital_admin)
    url = reverse("manage:application-reject", args=[hospital.slug, membership.pk])
    admin.post(url, {"reason": ""})
    membership.refresh_from_db()
    assert membership.status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(url, {"reason": "Registration number could not be verified."})
    membership.refresh_from_db()
    assert membership.status == "rejected"
    assert "could not be verified" in mail.outbox[-1].body

    again = admin.post(reverse("manage:application-approve", args=[hospital.slug, membership.pk]),
                       {"department": department.pk, "consultation_fee": "100"})
    membership.refresh_from_db()
    assert membership.status == "rejected" and again.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("name,content,message", [
    ("cv.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not an accepted type"),
    ("empty.pdf", b"", "empty"),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "larger than 5 MB"),
    ("page.png", b"<html><script>alert(1)</script></html>", "not an accepted type"),
])
def test_application_refuses_bad_certificates(name, content, message, client_for, hospital, department):
    from accounts.tests.factories import DoctorFactory

    applicant = DoctorFactory()
    response = _apply(client_for(applicant), hospital, department, [SimpleUploadedFile(name, content)])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Membership.objects.filter(user=applicant).exists()
    assert not DoctorCertificate.objects.exists()


@pytest.mark.django_db
def test_certificate_of_other_hospital_is_404(client_for, hospital, other_hospital, department):
    membership = MembershipFactory(hospital=hospital, department=department, status="pending")
    certificate = DoctorCertificate.objects.create(
        hospital=hospital, membership=membership, kind="pdf", original_name="x.pdf",
        file=SimpleUploadedFile("x.pdf", PDF_BYTES),
    )
    other_admin = MembershipFactory(hospital=other_hospital, role="admin").user
    url = reverse("manage:certificate", args=[other_hospital.slug, certificate.pk])
    assert client_for(other_admin).get(url).status_code == 404


@pytest.mark.django_db
def test_invite_and_accept_staff(client, client_for, hospital, hospital_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hospital_admin).post(reverse("manage:staff-invite", args=[hospital.slug]), {
            "full_name": "Mitu Das", "email": "Mitu@Example.test", "role": "lab_worker",
        })
    invitation = StaffInvitation.objects.get(hospital=hospital)
    assert invitation.email == "mitu@example.test"
    link = reverse("hospitals:accept-invitation", args=[invitation.token])
    assert link in mail.outbox[-1].body

    weak = client.post(link, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()

    response = client.post(link, {"password1": "Sturdy-pass-91", "password2": "Sturdy-pass-91", "phone": ""})
    assert response["Location"] == reverse("manage:dashboard", args=[hospital.slug])
    membership = Membership.objects.get(hospital=hospital, user__email="mitu@example.test")
    assert membership.role == "lab_worker" and membership.status == "approved"

    reused = client.get(link)
    assert reused.status_code == 404


@pytest.mark.django_db
def test_invite_refuses_doctor_role(client_for, hospital, hospital_admin):
    response = client_for(hospital_admin).post(reverse("manage:staff-invite", args=[hospital.slug]), {
        "full_name": "X", "email": "x@example.test", "role": "doctor",
    })
    assert response.status_code == 200
    assert not StaffInvitation.objects.exists()


@pytest.mark.django_db
def test_suspend_and_restore(client_for, hospital, hospital_admin, receptionist):
    admin = client_for(hospital_admin)
    membership = Membership.objects.get(user=receptionist, hospital=hospital)
    admin.post(reverse("manage:staff-suspend", args=[hospital.slug, membership.pk]), {"reason": "Leave"})
    membership.refresh_from_db()
    assert membership.status == "suspended"
    receptionist.refresh_from_db()  # a new sign-in, after the suspension ended the old sessions
    assert client_for(receptionist).get(reverse("manage:dashboard", args=[hospital.slug])).status_code == 404

    admin.post(reverse("manage:staff-restore", args=[hospital.slug, membership.pk]))
    membership.refresh_from_db()
    assert membership.status == "approved"


@pytest.mark.django_db
def test_admin_cannot_suspend_self(client_for, hospital, hospital_admin):
    membership = Membership.objects.get(user=hospital_admin, hospital=hospital)
    response = client_for(hospital_admin).post(
        reverse("manage:staff-suspend", args=[hospital.slug, membership.pk]), follow=True
    )
    assert "cannot suspend yourself" in response.content.decode()
    membership.refresh_from_db()
    assert membership.status == "approved"


@pytest.mark.django_db
def test_settings_update_and_logo_check(client_for, hospital, hospital_admin):
    from PIL import Image

    data = {
        "name": "Green Life Medical", "city": "Dhaka", "address": "32 Green Road", "phone": "+880255501234",
        "email": "desk@greenlife.test", "description": "", "time_zone": "Asia/Dhaka",
        "cancellation_cutoff_hours": 6,
    }
    admin = client_for(hospital_admin)
    url = reverse("manage:settings", args=[hospital.slug])
    bad = admin.post(url, dict(data, logo=SimpleUploadedFile("logo.png", b"<script>alert(1)</script>")))
    assert bad.status_code == 200 and "not an accepted type" in bad.content.decode()

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(buffer, format="PNG")
    admin.post(url, dict(data, logo=SimpleUploadedFile("logo.png", buffer.getvalue())))
    hospital.refresh_from_db()
    assert hospital.name == "Green Life Medical" and hospital.cancellation_cutoff_hours == 6
    assert hospital.logo.name.endswith(".png") and "logo.png" not in hospital.logo.name


@pytest.mark.django_db
def test_register_hospital_pending_until_operator_approves(client_for, patient):
    client = client_for(patient)
    response = client.post(reverse("hospitals:hospital-register"), {
        "name": "Rajshahi Care", "city": "Rajshahi", "address": "1 Padma Road", "phone": "+880721000000",
        "email": "care@rajshahi.test", "description": "New", "time_zone": "Asia/Dhaka",
    })
    membership = Membership.objects.get(user=patient)
    assert membership.role == "admin" and membership.status == "approved"
    hospital = membership.hospital
    assert response["Location"] == reverse("manage:dashboard", args=[hospital.slug])
    assert hospital.status == "pending"
    assert client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 404
    assert client.get(reverse("manage:dashboard", args=[hospital.slug])).status_code == 200

    services.approve_hospital(hospital=hospital, by=None)
    assert client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 404  # nothing to book
    MembershipFactory(hospital=hospital, role="doctor")
    assert client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 200


@pytest.mark.django_db
def test_failed_application_leaves_no_certificate_files(hospital, department, hospital_admin, monkeypatch, settings):
    from accounts.tests.factories import DoctorFactory
    from healthstack.files import CERTIFICATE_KINDS, check_upload

    applicant = DoctorFactory()
    files = [check_upload(SimpleUploadedFile(f"c{n}.pdf", PDF_BYTES), allowed=CERTIFICATE_KINDS, max_mb=5)
             for n in range(2)]

    def broken_notify(*args, **kwargs):
        raise RuntimeError("notification store is down")

    def stored_files():
        return set(settings.PRIVATE_MEDIA_ROOT.rglob("*.pdf"))

    before = stored_files()
    monkeypatch.setattr(services, "notify", broken_notify)
    with pytest.raises(RuntimeError):
        services.apply_to_hospital(user=applicant, hospital=hospital, department=department,
                                   consultation_fee=Decimal("500.00"), certificates=files)
    assert stored_files() == before
    assert not Membership.objects.filter(user=applicant).exists()


def test_invitation_email_states_the_expiry_day_at_the_hospital(hospital, hospital_admin, settings,
                                                                django_capture_on_commit_callbacks):
    # Sent at 01:18 on 30 November in Dhaka from a server kept in UTC: valid until 7 December there.
    settings.TIME_ZONE, settings.INVITATION_VALID_DAYS = "UTC", 7
    with time_machine.travel(datetime(2026, 11, 29, 19, 18, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.invite_staff(hospital=hospital, email="new.desk@example.test", full_name="Nadia Akter",
                                  role="receptionist", by=hospital_admin)
    assert "valid until 7 Dec 2026" in mail.outbox[-1].body


@pytest.mark.django_db
def test_invitation_replaces_an_unconfirmed_signup_of_the_same_email(client, hospital, hospital_admin):
    from accounts.services import register_patient
    from hospitals.services import invite_staff

    register_patient(email="mitu@example.test", password="Squatter-pass-1", full_name="Squatter", confirmed=False)
    invitation = invite_staff(hospital=hospital, email="mitu@example.test", full_name="Mitu Das",
                              role="lab_worker", by=hospital_admin)
    response = client.post(reverse("hospitals:accept-invitation", args=[invitation.token]),
                           {"password1": "Sturdy-pass-91", "password2": "Sturdy-pass-91", "phone": ""})
    assert response["Location"] == reverse("manage:dashboard", args=[hospital.slug])
    user = Membership.objects.get(hospital=hospital, role="lab_worker").user
    assert user.full_name == "Mitu Das" and user.is_active and user.check_password("Sturdy-pass-91")
