"""factory-boy factories for users, patients and doctors.

``PatientFactory`` and ``DoctorFactory`` build a ``User`` (the object views and
services take) with its profile attached: ``PatientFactory().patient_profile``.
Every user's password is ``PASSWORD``.
"""

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import DoctorProfile, PatientProfile, User

PASSWORD = "pass-Word-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+8801{n % 10**9:09d}")
    password = Password(PASSWORD)


class PatientProfileFactory(DjangoModelFactory):
    class Meta:
        model = PatientProfile

    user = factory.SubFactory(UserFactory)
    # Service-made numbers are "P" + 8 random digits; these stay clear of most of them.
    patient_number = factory.Sequence(lambda n: f"P9{n:07d}")


class DoctorProfileFactory(DjangoModelFactory):
    class Meta:
        model = DoctorProfile

    user = factory.SubFactory(UserFactory)
    specialisation = "Medicine"
    qualifications = "MBBS, FCPS (Medicine)"
    registration_number = factory.Sequence(lambda n: f"BMDC-T{n:06d}")
    years_of_practice = 8


class PatientFactory(UserFactory):
    """A user with a patient profile; ``PatientFactory(patient_profile__blood_group="O+")``."""

    patient_profile = factory.RelatedFactory(PatientProfileFactory, factory_related_name="user")


class DoctorFactory(UserFactory):
    """A user with a doctor profile; ``DoctorFactory(doctor_profile__specialisation="Cardiology")``."""

    doctor_profile = factory.RelatedFactory(DoctorProfileFactory, factory_related_name="user")
