"""Sign-up and profile writes for patients and doctors."""

import secrets

from django.db import transaction

from healthstack.files import CheckedUpload

from .models import DoctorProfile, PatientProfile, User


class AccountError(Exception):
    """An account change that is not allowed; the message is shown to the user."""


def new_patient_number() -> str:
    while True:
        number = "P" + "".join(secrets.choice("0123456789") for _ in range(8))
        if not PatientProfile.objects.filter(patient_number=number).exists():
            return number


def _create_user(*, email: str, password: str, full_name: str, phone: str) -> User:
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("An account with this email already exists.")
    return User.objects.create_user(email=email, password=password, full_name=full_name.strip(), phone=phone)


@transaction.atomic
def register_patient(*, email: str, password: str, full_name: str, phone: str = "", **profile) -> User:
    """Create a user with a patient profile (sharing consent on by default)."""
    user = _create_user(email=email, password=password, full_name=full_name, phone=phone)
    PatientProfile.objects.create(user=user, patient_number=new_patient_number(), **profile)
    return user


@transaction.atomic
def register_doctor(*, email: str, password: str, full_name: str, phone: str = "",
                    photo: CheckedUpload | None = None, **profile) -> User:
    """Create a user with a doctor profile; the doctor then applies to hospitals."""
    if DoctorProfile.objects.filter(registration_number__iexact=profile["registration_number"]).exists():
        raise AccountError("A doctor with this registration number is already registered.")
    user = _create_user(email=email, password=password, full_name=full_name, phone=phone)
    doctor = DoctorProfile(user=user, **profile)
    if photo:
        doctor.photo.save(photo.content.name, photo.content, save=False)
    doctor.save()
    return user


@transaction.atomic
def ensure_patient_profile(*, user: User) -> PatientProfile:
    """Staff and doctors may also be patients somewhere: give them a patient profile on demand."""
    profile = PatientProfile.objects.filter(user=user).first()
    return profile or PatientProfile.objects.create(user=user, patient_number=new_patient_number())


@transaction.atomic
def update_profile(*, user: User, full_name: str, phone: str, profile=None,
                   photo: CheckedUpload | None = None, **profile_fields) -> User:
    """Update the user's name and phone and the given profile's fields (patient or doctor)."""
    user.full_name, user.phone = full_name.strip(), phone
    user.save(update_fields=["full_name", "phone"])
    if profile is not None:
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        if photo:
            profile.photo.save(photo.content.name, photo.content, save=False)
        profile.save()
    return user
