import io
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import DoctorProfile, PatientProfile, User
from accounts.tests.factories import PASSWORD, DoctorFactory, PatientFactory
from healthstack.models import OutgoingEmail
from hospitals.tests.factories import MembershipFactory

SIGNUP = {
    "full_name": "Ayesha Rahman", "email": "Ayesha@Example.test", "phone": "+8801711000000",
    "password1": "Lotus-garden-77", "password2": "Lotus-garden-77", "date_of_birth": "1990-05-17", "sex": "female",
}


def png_bytes(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_password_hasher_is_argon2():
    import importlib

    module = importlib.import_module("config.settings")
    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_patient_signup_creates_profile_and_signs_in_once_confirmed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup-sent")
    user = User.objects.get(email="ayesha@example.test")
    assert user.patient_profile.patient_number.startswith("P")
    assert user.patient_profile.sharing_consent is True
    assert str(user.patient_profile.date_of_birth) == "1990-05-17"
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/signup/confirm/" in line)
    client.post(urlsplit(link.strip()).path)
    assert client.get(reverse("dashboard"))["Location"] == reverse("me:home")


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,message", [
    ({"password2": "different-99"}, "password2", "do not match"),
    ({"password1": "password", "password2": "password"}, "password1", "too common"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
    ({"phone": "call me"}, "phone", "phone number"),
])
def test_patient_signup_errors_beside_the_field(client, change, field, message):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "is-invalid" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_doctor_signup_with_photo(client):
    data = {**SIGNUP, "email": "dr.rahim@example.test", "specialisation": "Cardiology",
            "qualifications": "MBBS, MD", "registration_number": "BMDC-A-100", "years_of_practice": 12,
            "bio": "Heart specialist.", "photo": SimpleUploadedFile("me.png", png_bytes())}
    response = client.post(reverse("accounts:signup-doctor"), data)
    assert response.status_code == 302
    doctor = DoctorProfile.objects.get(user__email="dr.rahim@example.test")
    assert doctor.photo.name.endswith(".png")
    with Image.open(doctor.photo.path) as stored:
        assert stored.size == (32, 32)
    assert not PatientProfile.objects.filter(user=doctor.user).exists()


@pytest.mark.django_db
def test_doctor_signup_refuses_html_disguised_as_png(client):
    data = {**SIGNUP, "email": "dr.x@example.test", "specialisation": "Medicine", "qualifications": "MBBS",
            "registration_number": "BMDC-A-101", "years_of_practice": 1,
            "photo": SimpleUploadedFile("me.png", b"<html><script>alert(1)</script></html>", content_type="image/png")}
    response = client.post(reverse("accounts:signup-doctor"), data)
    assert response.status_code == 200
    assert "not an accepted type" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_login_with_email_and_wrong_password_message(client, patient):
    bad = client.post(reverse("accounts:login"), {"username": patient.email, "password": "wrong-one"})
    assert bad.status_code == 200
    assert "correct email and password" in bad.content.decode()
    good = client.post(reverse("accounts:login"), {"username": patient.email.upper(), "password": PASSWORD})
    assert good.status_code == 302


@pytest.mark.django_db
def test_lockout_after_five_failures(client, patient):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": patient.email, "password": "nope"})
    locked = client.post(reverse("accounts:login"), {"username": patient.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_is_post_only(client_for, patient):
    client = client_for(patient)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_email_and_confirm(client, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": patient.email})
    # Through the outbox like every email: the request does not wait for the mail server.
    assert OutgoingEmail.objects.get(to=patient.email).about == "password_reset"
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line)
    form_page = client.get(urlsplit(link.strip()).path, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "Brand-new-pass-5", "new_password2": "Brand-new-pass-5"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("Brand-new-pass-5")


@pytest.mark.django_db
def test_password_reset_unknown_email_reveals_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_patient_profile_edit(client_for, patient):
    client = client_for(patient)
    response = client.post(reverse("me:profile"), {
        "full_name": "Ayesha R. Khan", "phone": "+8801999000111", "date_of_birth": "1985-02-01", "sex": "female",
        "blood_group": "O+", "address": "12 Lake Road", "emergency_contact_name": "Karim",
        "emergency_contact_phone": "+8801888000111", "photo": SimpleUploadedFile("p.png", png_bytes("blue")),
    })
    assert response.status_code == 302
    patient.refresh_from_db()
    profile = patient.patient_profile
    assert patient.full_name == "Ayesha R. Khan" and profile.blood_group == "O+"
    assert profile.emergency_contact_name == "Karim" and profile.photo


@pytest.mark.django_db
def test_doctor_profile_edit(client_for, doctor):
    response = client_for(doctor).post(reverse("me:profile"), {
        "full_name": "Kamal Hossain", "phone": "", "specialisation": "Interventional Cardiology",
        "qualifications": "MBBS, FCPS", "years_of_practice": 15, "bio": "Updated",
    })
    assert response.status_code == 302
    doctor.doctor_profile.refresh_from_db()
    assert doctor.doctor_profile.specialisation == "Interventional Cardiology"


@pytest.mark.django_db
def test_dashboard_routes_each_role(client_for, hospital, other_hospital, patient, hospital_admin, department):
    assert client_for(patient).get(reverse("dashboard"))["Location"] == reverse("me:home")
    assert client_for(hospital_admin).get(reverse("dashboard"))["Location"] == reverse(
        "manage:dashboard", args=[hospital.slug])

    two_places = MembershipFactory(hospital=hospital, department=department).user
    MembershipFactory(hospital=other_hospital, user=two_places)
    response = client_for(two_places).get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert hospital.name in page and other_hospital.name in page

    new_doctor = DoctorFactory()
    assert client_for(new_doctor).get(reverse("dashboard"))["Location"] == reverse("me:home")


@pytest.mark.django_db
def test_me_pages_need_login(client):
    for name in ["me:home", "me:profile", "hospitals:applications", "dashboard", "notifications:list"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_patient_cannot_apply_to_hospitals(client_for, patient, hospital):
    response = client_for(patient).get(reverse("hospitals:apply", args=[hospital.slug]))
    assert response["Location"] == reverse("accounts:signup-doctor")


@pytest.mark.django_db
def test_patient_factory_helper_sanity():
    assert PatientFactory().is_patient
