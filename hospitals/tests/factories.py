"""factory-boy factories for hospitals, departments and staff memberships."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import DoctorFactory, DoctorProfileFactory, UserFactory
from hospitals.models import Department, Hospital, Membership


class HospitalFactory(DjangoModelFactory):
    class Meta:
        model = Hospital

    name = factory.Sequence(lambda n: f"Test General Hospital {n}")
    slug = factory.Sequence(lambda n: f"test-hospital-{n}")
    city = "Dhaka"
    address = factory.Sequence(lambda n: f"{n} Green Road, Dhanmondi")
    phone = factory.Sequence(lambda n: f"+880 2 555 {n % 10000:04d}")
    email = factory.Sequence(lambda n: f"desk{n}@hospital.example.test")
    time_zone = "Asia/Dhaka"
    status = Hospital.Status.APPROVED


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"Medicine {n}")
    slug = factory.Sequence(lambda n: f"department-{n}")


class MembershipFactory(DjangoModelFactory):
    """An approved membership, a doctor's by default.

    For ``role="doctor"`` the user gets a doctor profile (created if missing), a
    department in the same hospital and a consultation fee of 500.00; other
    roles get no department and no fee: ``MembershipFactory(role="pharmacist")``.
    """

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    class Params:
        is_doctor = factory.LazyAttribute(lambda o: o.role == Membership.Role.DOCTOR)

    hospital = factory.SubFactory(HospitalFactory)
    role = Membership.Role.DOCTOR
    status = Membership.Status.APPROVED
    user = factory.Maybe("is_doctor", factory.SubFactory(DoctorFactory), factory.SubFactory(UserFactory))
    department = factory.Maybe(
        "is_doctor",
        factory.SubFactory(DepartmentFactory, hospital=factory.SelfAttribute("..hospital")),
        None,
    )
    consultation_fee = factory.Maybe("is_doctor", Decimal("500.00"), Decimal("0.00"))

    @factory.post_generation
    def ensure_doctor_profile(obj, create, extracted, **kwargs):
        if create and obj.role == Membership.Role.DOCTOR and not hasattr(obj.user, "doctor_profile"):
            DoctorProfileFactory(user=obj.user)


class ListedHospitalFactory(HospitalFactory):
    """An approved hospital patients can find: one department with one approved doctor."""

    class Meta:
        skip_postgeneration_save = True

    doctor = factory.RelatedFactory(MembershipFactory, factory_related_name="hospital")
