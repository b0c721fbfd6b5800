"""Demo data for a newcomer: hospitals, their staff, doctors and patients.

``python manage.py seed_demo`` runs :data:`STEPS` in order, then the ``STEPS`` of every
other installed app that has a ``demo`` module, in INSTALLED_APPS order (found the way the
admin finds ``admin`` modules, so this app names no app above it). A step is a function
``step(ctx: DemoContext) -> None``: it finds or creates its rows by natural key (slug,
email, registration number), records them in ``ctx`` for the steps after it, and
creates nothing the second time. Every demo account has the password :data:`DEMO_PASSWORD`.
"""

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.services import register_doctor, register_patient
from healthstack import mail
from healthstack.files import CERTIFICATE_KINDS, check_upload

from .models import Department, Hospital, Membership
from .services import apply_to_hospital, approve_hospital, create_membership, register_hospital, update_hospital

DEMO_PASSWORD = "HealthStack-demo-2026"
OPERATOR_EMAIL = "operator@healthstack.test"

DHAKA = "dhaka-central-hospital"
PORT_CITY = "port-city-general-hospital"
SYLHET = "sylhet-green-valley-hospital"
KHULNA = "khulna-riverside-clinic"

Role = Membership.Role


@dataclass
class DemoLogin:
    role: str
    hospital: str
    email: str
    featured: bool = False


@dataclass
class DemoContext:
    """What the steps have found or created so far, by natural key."""

    password: str = DEMO_PASSWORD
    hospitals: dict[str, Hospital] = field(default_factory=dict)  # by slug
    departments: dict[tuple[str, str], Department] = field(default_factory=dict)  # by (hospital slug, dept slug)
    users: dict[str, User] = field(default_factory=dict)  # by email
    memberships: dict[tuple[str, str, str], Membership] = field(default_factory=dict)  # by (email, slug, role)
    logins: list[DemoLogin] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)  # model name -> rows created in this run
    extra: dict[str, Any] = field(default_factory=dict)  # for later apps' steps

    def department(self, hospital_slug: str, name: str) -> Department:
        return self.departments[(hospital_slug, slugify(name))]

    def membership(self, email: str, hospital_slug: str, role: str) -> Membership:
        return self.memberships[(email, hospital_slug, role)]

    def doctor_memberships(self) -> list[Membership]:
        """Every approved doctor membership the steps know of, in seeding order."""
        return [m for (_, _, role), m in self.memberships.items()
                if role == Role.DOCTOR and m.status == Membership.Status.APPROVED]

    def add_login(self, role: str, hospital: str, email: str, *, featured: bool = False) -> None:
        if not any(login.email == email and login.role == role for login in self.logins):
            self.logins.append(DemoLogin(role, hospital, email, featured))


@dataclass(frozen=True)
class HospitalSeed:
    name: str
    short_name: str
    mail_domain: str
    city: str
    address: str
    phone: str
    description: str
    cancellation_cutoff_hours: int
    departments: tuple[str, ...]
    staff: dict[str, str]  # role -> full name

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def email(self) -> str:
        return f"info@{self.mail_domain}"


@dataclass(frozen=True)
class Post:
    """A doctor's place at one hospital."""

    hospital: str
    department: str
    fee: str


@dataclass(frozen=True)
class DoctorSeed:
    full_name: str
    phone: str
    specialisation: str
    qualifications: str
    registration_number: str
    years_of_practice: int
    bio: str
    posts: tuple[Post, ...]
    note: str = ""  # shown in the logins table when set

    @property
    def email(self) -> str:
        return f"dr.{self.full_name.split()[0].lower()}@healthstack.test"


@dataclass(frozen=True)
class PatientSeed:
    full_name: str
    phone: str
    date_of_birth: date
    sex: str
    blood_group: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    sharing_consent: bool = True
    note: str = ""


DEPARTMENT_DESCRIPTIONS = {
    "Cardiology": "Chest pain, high blood pressure and heart rhythm problems; ECG and echocardiography on site.",
    "Medicine": "General adult medicine: fever, diabetes, thyroid, asthma and long-term conditions.",
    "Paediatrics": "Care for newborns, children and adolescents, including vaccination and growth checks.",
    "Gynaecology & Obstetrics": "Antenatal and postnatal care, safe delivery, and women's health at every age.",
    "Orthopaedics": "Fractures, back and joint pain, sports injuries and physiotherapy referrals.",
    "Dermatology": "Skin, hair and nail conditions, allergies and minor skin procedures.",
    "ENT": "Ear, nose and throat: sinusitis, hearing loss, tonsils and voice problems.",
    "Neurology": "Headache, epilepsy, stroke follow-up and nerve conditions, with EEG and nerve studies.",
}

STAFF_MAILBOXES = {Role.ADMIN: "admin", Role.RECEPTIONIST: "reception", Role.LAB_WORKER: "lab",
                   Role.PHARMACIST: "pharmacy"}

HOSPITALS = (
    HospitalSeed(
        name="Dhaka Central Hospital", short_name="Dhaka Central", mail_domain="dhaka-central.test", city="Dhaka",
        address="House 12, Road 5, Dhanmondi, Dhaka 1205", phone="+880 2 5504 1234",
        description="A 250-bed general hospital in the heart of Dhanmondi, open around the clock. "
                    "Specialist clinics run six days a week, with an in-house laboratory and pharmacy.",
        cancellation_cutoff_hours=4,
        departments=("Cardiology", "Medicine", "Paediatrics", "Gynaecology & Obstetrics", "Orthopaedics",
                     "Dermatology"),
        staff={Role.ADMIN: "Shafiqul Islam", Role.RECEPTIONIST: "Lipi Akter", Role.LAB_WORKER: "Habibur Rahman",
               Role.PHARMACIST: "Moushumi Saha"},
    ),
    HospitalSeed(
        name="Port City General Hospital", short_name="Port City General", mail_domain="port-city.test",
        city="Chattogram", address="1020 CDA Avenue, GEC Circle, Chattogram 4000", phone="+880 31 265 0099",
        description="Port City General has served Chattogram's families and seafarers since 1998. "
                    "Its neurology and ENT units take referrals from across the division.",
        cancellation_cutoff_hours=2,
        departments=("Medicine", "Cardiology", "ENT", "Paediatrics", "Neurology"),
        staff={Role.ADMIN: "Nazmul Haque", Role.RECEPTIONIST: "Sharmin Sultana", Role.LAB_WORKER: "Jamal Uddin",
               Role.PHARMACIST: "Priya Barua"},
    ),
    HospitalSeed(
        name="Sylhet Green Valley Hospital", short_name="Sylhet Green Valley", mail_domain="green-valley.test",
        city="Sylhet", address="Zindabazar Road, Sylhet 3100", phone="+880 821 71 4455",
        description="A community hospital near Zindabazar with a strong mother-and-child unit. "
                    "Its Friday medicine clinic is free for everyone.",
        cancellation_cutoff_hours=3,
        departments=("Medicine", "Gynaecology & Obstetrics", "Paediatrics", "Orthopaedics"),
        staff={Role.ADMIN: "Abdul Mukit", Role.RECEPTIONIST: "Rehana Parvin", Role.LAB_WORKER: "Faruk Miah",
               Role.PHARMACIST: "Sumi Dey"},
    ),
)

# Registered by its admin, not yet approved by the operator: not listed publicly.
PENDING_HOSPITAL = HospitalSeed(
    name="Khulna Riverside Clinic", short_name="Khulna Riverside", mail_domain="khulna-riverside.test",
    city="Khulna", address="KDA Avenue, Sonadanga, Khulna 9100", phone="+880 41 72 3300",
    description="A new outpatient clinic on the Rupsha riverside. It opens once the platform approves it.",
    cancellation_cutoff_hours=2, departments=("Medicine", "Paediatrics"),
    staff={Role.ADMIN: "Mizanur Rahman"},
)

DOCTORS = (
    DoctorSeed("Farhana Rahman", "+880 1711-402211", "Cardiology", "MBBS, FCPS (Medicine), MD (Cardiology)",
               "BMDC-A-21457", 14,
               "Dr. Farhana treats heart failure and rhythm disorders and leads the echo clinic. "
               "She consults in Dhaka on weekdays and in Chattogram on Saturdays.",
               (Post(DHAKA, "Cardiology", "1200.00"), Post(PORT_CITY, "Cardiology", "1000.00")),
               note="2 hospitals"),
    DoctorSeed("Mahmudul Hasan", "+880 1712-558104", "Internal Medicine", "MBBS, FCPS (Medicine)",
               "BMDC-A-18233", 11,
               "Dr. Mahmudul looks after adults with diabetes, hypertension and fever. "
               "He believes a good history saves most tests.",
               (Post(DHAKA, "Medicine", "800.00"),)),
    DoctorSeed("Nusrat Jahan", "+880 1713-230077", "Paediatrics", "MBBS, DCH, FCPS (Paediatrics)",
               "BMDC-A-30512", 9,
               "Dr. Nusrat cares for children from birth to sixteen, with a special interest in asthma. "
               "Parents value her calm, unhurried visits.",
               (Post(DHAKA, "Paediatrics", "700.00"),)),
    DoctorSeed("Sabrina Chowdhury", "+880 1714-661290", "Gynaecology & Obstetrics",
               "MBBS, FCPS (Obstetrics & Gynaecology)", "BMDC-A-24980", 12,
               "Dr. Sabrina runs the antenatal clinic and high-risk pregnancy follow-up. "
               "She has delivered thousands of babies at Dhaka Central.",
               (Post(DHAKA, "Gynaecology & Obstetrics", "1000.00"),)),
    DoctorSeed("Tanvir Ahmed", "+880 1715-909312", "Orthopaedics", "MBBS, MS (Orthopaedics)",
               "BMDC-A-33647", 8,
               "Dr. Tanvir treats fractures, knee pain and sports injuries. "
               "He works closely with the physiotherapy team on recovery plans.",
               (Post(DHAKA, "Orthopaedics", "900.00"),)),
    DoctorSeed("Ayesha Siddiqua", "+880 1716-147733", "Dermatology", "MBBS, DDV, FCPS (Dermatology)",
               "BMDC-A-41208", 6,
               "Dr. Ayesha sees eczema, acne, fungal infections and hair loss. "
               "She also performs minor skin procedures in the day clinic.",
               (Post(DHAKA, "Dermatology", "600.00"),)),
    DoctorSeed("Imran Hossain", "+880 1717-385120", "Internal Medicine", "MBBS, MD (Internal Medicine)",
               "BMDC-A-27714", 10,
               "Dr. Imran manages chronic kidney, liver and thyroid conditions. "
               "He runs the medicine outpatient clinic at Port City General.",
               (Post(PORT_CITY, "Medicine", "700.00"),)),
    DoctorSeed("Rezaul Karim", "+880 1718-520946", "ENT", "MBBS, DLO, FCPS (ENT)", "BMDC-A-15390", 15,
               "Dr. Rezaul treats sinus disease, hearing loss and tonsillitis. "
               "He performs endoscopic sinus surgery and hearing assessments.",
               (Post(PORT_CITY, "ENT", "700.00"),)),
    DoctorSeed("Kamrul Islam", "+880 1719-664018", "Neurology", "MBBS, MD (Neurology)", "BMDC-A-19871", 13,
               "Dr. Kamrul sees patients with migraine, epilepsy and stroke. "
               "He heads the EEG and nerve-conduction laboratory.",
               (Post(PORT_CITY, "Neurology", "1500.00"),)),
    DoctorSeed("Mithila Das", "+880 1720-118453", "Paediatrics", "MBBS, DCH", "BMDC-A-38825", 7,
               "Dr. Mithila runs the well-baby and vaccination clinic. "
               "She speaks Bangla, English and Chittagonian with families.",
               (Post(PORT_CITY, "Paediatrics", "600.00"),)),
    DoctorSeed("Anwar Uddin", "+880 1721-774390", "Internal Medicine", "MBBS, FCPS (Medicine)", "BMDC-A-12345",
               22,
               "Dr. Anwar has practised in Sylhet for over twenty years. "
               "His community medicine clinic is free of charge for every patient.",
               (Post(SYLHET, "Medicine", "0.00"),), note="free clinic"),
    DoctorSeed("Rumana Begum", "+880 1722-839021", "Gynaecology & Obstetrics",
               "MBBS, DGO, FCPS (Obstetrics & Gynaecology)", "BMDC-A-29033", 10,
               "Dr. Rumana leads the mother-and-child unit at Green Valley. "
               "She focuses on safe motherhood and family planning.",
               (Post(SYLHET, "Gynaecology & Obstetrics", "800.00"),)),
    DoctorSeed("Shahidul Alam", "+880 1723-405567", "Orthopaedics", "MBBS, D-Ortho, MS (Orthopaedics)",
               "BMDC-A-22186", 16,
               "Dr. Shahidul treats bone and joint problems in adults and children. "
               "He has a special interest in arthritis care for older patients.",
               (Post(SYLHET, "Orthopaedics", "700.00"),)),
    DoctorSeed("Tahmina Khatun", "+880 1724-991274", "Paediatrics", "MBBS, DCH, MD (Paediatrics)",
               "BMDC-A-35419", 8,
               "Dr. Tahmina cares for newborns and young children, including nutrition follow-up. "
               "She also teaches mothers' groups about childhood illness.",
               (Post(SYLHET, "Paediatrics", "500.00"),)),
)

# A doctor whose application to Dhaka Central awaits its admin's decision.
PENDING_DOCTOR = DoctorSeed(
    "Jubayer Alam", "+880 1725-260388", "Cardiology", "MBBS, MD (Cardiology)", "BMDC-A-44102", 5,
    "Dr. Jubayer trained in interventional cardiology at the National Heart Foundation. "
    "He is applying to join the cardiology team at Dhaka Central.",
    (Post(DHAKA, "Cardiology", "1000.00"),), note="application pending",
)
PENDING_COVER_LETTER = ("I would like to join the cardiology team two evenings a week. "
                        "My BMDC registration certificate is attached.")

PATIENTS = (
    PatientSeed("Rahim Uddin", "+880 1811-203040", date(1985, 3, 14), "male", "B+",
                "Flat 4B, House 23, Road 10, Mirpur 2, Dhaka 1216", "Salma Uddin", "+880 1811-203041"),
    PatientSeed("Fatema Khatun", "+880 1812-334455", date(1992, 7, 22), "female", "O+",
                "45 Agrabad Commercial Area, Chattogram 4100", "Abdul Khaleque", "+880 1812-334456"),
    PatientSeed("Arif Hossain", "+880 1813-778899", date(1978, 11, 2), "male", "A+",
                "House 7, Sector 4, Uttara, Dhaka 1230", "Rupa Hossain", "+880 1813-778890"),
    PatientSeed("Nasima Begum", "+880 1814-556677", date(1965, 1, 30), "female", "AB+",
                "Amberkhana Main Road, Sylhet 3100", "Jahangir Alam", "+880 1814-556670",
                sharing_consent=False, note="sharing off"),
    PatientSeed("Sakib Chowdhury", "+880 1815-112233", date(2001, 5, 9), "male", "O-",
                "Road 3, Khulshi, Chattogram 4225", "Nazma Chowdhury", "+880 1815-112230"),
    PatientSeed("Tania Sultana", "+880 1816-908070", date(1998, 12, 5), "female", "B-",
                "House 18, Road 27, Dhanmondi, Dhaka 1209", "Kamal Sultan", "+880 1816-908071"),
)


def patient_email(number: int) -> str:
    return f"patient{number}@healthstack.test"


def staff_email(seed: HospitalSeed, role: str) -> str:
    return f"{STAFF_MAILBOXES[role]}@{seed.mail_domain}"


def _find_user(ctx: DemoContext, email: str) -> User | None:
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        ctx.users[email] = user
    return user


def _created(ctx: DemoContext, obj):
    ctx.created[type(obj).__name__] += 1
    return obj


def _staff_user(ctx: DemoContext, email: str, full_name: str) -> User:
    user = _find_user(ctx, email)
    if user is None:
        user = _created(ctx, User.objects.create_user(email=email, password=ctx.password, full_name=full_name))
        ctx.users[email] = user
    return user


def _membership(ctx: DemoContext, user: User, hospital: Hospital, role: str, *,
                department: Department | None = None, fee: str = "0.00") -> Membership:
    membership = Membership.objects.filter(user=user, hospital=hospital, role=role).first()
    if membership is None:
        membership = _created(ctx, create_membership(membership=Membership(
            user=user, hospital=hospital, role=role, status=Membership.Status.APPROVED, department=department,
            consultation_fee=Decimal(fee), decided_at=timezone.now(),
        ), by=None, reason="Demo data."))
    ctx.memberships[(user.email, hospital.slug, role)] = membership
    return membership


def _departments(ctx: DemoContext, hospital: Hospital, names: tuple[str, ...]) -> None:
    for name in names:
        department, created = Department.objects.get_or_create(
            hospital=hospital, slug=slugify(name),
            defaults={"name": name, "description": DEPARTMENT_DESCRIPTIONS[name]},
        )
        if created:
            _created(ctx, department)
        ctx.departments[(hospital.slug, department.slug)] = department


def _hospital(ctx: DemoContext, seed: HospitalSeed, *, approve_by: User | None) -> Hospital:
    """Register ``seed`` as its admin would, then approve it as the operator would (if ``approve_by``)."""
    admin = _staff_user(ctx, staff_email(seed, Role.ADMIN), seed.staff[Role.ADMIN])
    hospital = Hospital.objects.filter(slug=seed.slug).first()
    if hospital is None:
        hospital = _created(ctx, register_hospital(
            user=admin, name=seed.name, city=seed.city, address=seed.address, phone=seed.phone,
            email=seed.email, description=seed.description, time_zone="Asia/Dhaka",
        ))
        ctx.created[Membership.__name__] += 1  # register_hospital made its admin's membership
        update_hospital(hospital=hospital, cancellation_cutoff_hours=seed.cancellation_cutoff_hours)
        if approve_by is not None:
            hospital = approve_hospital(hospital=hospital, by=approve_by)
    ctx.hospitals[hospital.slug] = hospital
    _membership(ctx, admin, hospital, Role.ADMIN)
    _departments(ctx, hospital, seed.departments)
    return hospital


def seed_hospitals(ctx: DemoContext) -> None:
    """The platform operator, three approved hospitals and one awaiting approval, with admins and departments."""
    operator = _find_user(ctx, OPERATOR_EMAIL)
    if operator is None:
        operator = _created(ctx, User.objects.create_superuser(
            email=OPERATOR_EMAIL, password=ctx.password, full_name="Platform Operator"))
        ctx.users[OPERATOR_EMAIL] = operator
    ctx.add_login("Operator", "Django admin: /admin/", OPERATOR_EMAIL, featured=True)
    for seed in HOSPITALS:
        _hospital(ctx, seed, approve_by=operator)
        ctx.add_login("Hospital admin", seed.short_name, staff_email(seed, Role.ADMIN), featured=True)
    _hospital(ctx, PENDING_HOSPITAL, approve_by=None)
    ctx.add_login("Hospital admin · awaiting approval", PENDING_HOSPITAL.short_name,
                  staff_email(PENDING_HOSPITAL, Role.ADMIN), featured=True)


def seed_staff(ctx: DemoContext) -> None:
    """A receptionist, a lab worker and a pharmacist at each approved hospital."""
    for seed in HOSPITALS:
        hospital = ctx.hospitals[seed.slug]
        for role in (Role.RECEPTIONIST, Role.LAB_WORKER, Role.PHARMACIST):
            email = staff_email(seed, role)
            _membership(ctx, _staff_user(ctx, email, seed.staff[role]), hospital, role)
            ctx.add_login(Role(role).label, seed.short_name, email, featured=seed is HOSPITALS[0])


def _doctor_user(ctx: DemoContext, seed: DoctorSeed) -> User:
    user = _find_user(ctx, seed.email)
    if user is None:
        user = _created(ctx, register_doctor(
            email=seed.email, password=ctx.password, full_name=seed.full_name, phone=seed.phone,
            specialisation=seed.specialisation, qualifications=seed.qualifications,
            registration_number=seed.registration_number, years_of_practice=seed.years_of_practice,
            bio=seed.bio,
        ))
        ctx.users[seed.email] = user
    return user


def certificate_pdf(*lines: str) -> bytes:
    """A one-page PDF showing ``lines`` (ASCII), built by hand so the demo needs no PDF library."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "BT /F1 14 Tf 72 760 Td 20 TL " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    stream = text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


def _pending_application(ctx: DemoContext, seed: DoctorSeed) -> Membership:
    user = _doctor_user(ctx, seed)
    post = seed.posts[0]
    hospital = ctx.hospitals[post.hospital]
    membership = Membership.objects.filter(user=user, hospital=hospital, role=Role.DOCTOR).first()
    if membership is None:
        pdf = certificate_pdf("Bangladesh Medical and Dental Council", "Certificate of Registration",
                              f"Dr. {seed.full_name}", f"Registration number {seed.registration_number}",
                              "Demo document - not a real certificate")
        upload = SimpleUploadedFile("bmdc-registration-certificate.pdf", pdf, content_type="application/pdf")
        membership = _created(ctx, apply_to_hospital(
            user=user, hospital=hospital, department=ctx.department(post.hospital, post.department),
            consultation_fee=Decimal(post.fee), cover_letter=PENDING_COVER_LETTER,
            certificates=[check_upload(upload, allowed=CERTIFICATE_KINDS, max_mb=5)],
        ))
    ctx.memberships[(user.email, hospital.slug, Role.DOCTOR)] = membership
    return membership


def seed_doctors(ctx: DemoContext) -> None:
    """Fifteen doctors: approved at one hospital each, one at two hospitals, one with a pending application."""
    short_names = {seed.slug: seed.short_name for seed in HOSPITALS}
    featured_at = set()
    for seed in DOCTORS:
        user = _doctor_user(ctx, seed)
        for post in seed.posts:
            _membership(ctx, user, ctx.hospitals[post.hospital], Role.DOCTOR,
                        department=ctx.department(post.hospital, post.department), fee=post.fee)
        hospitals = " + ".join(short_names[post.hospital] for post in seed.posts)
        # One doctor per hospital in the table, plus every doctor with a note.
        featured = bool(seed.note) or seed.posts[0].hospital not in featured_at
        if featured and len(seed.posts) == 1:
            featured_at.add(seed.posts[0].hospital)
        ctx.add_login(f"Doctor · {seed.note}" if seed.note else "Doctor", hospitals, seed.email, featured=featured)
    _pending_application(ctx, PENDING_DOCTOR)
    ctx.add_login(f"Doctor · {PENDING_DOCTOR.note}", short_names[PENDING_DOCTOR.posts[0].hospital],
                  PENDING_DOCTOR.email, featured=True)


def seed_patients(ctx: DemoContext) -> None:
    """Six patients with full profiles; one has turned record sharing off."""
    for number, seed in enumerate(PATIENTS, start=1):
        email = patient_email(number)
        user = _find_user(ctx, email)
        if user is None:
            user = _created(ctx, register_patient(
                email=email, password=ctx.password, full_name=seed.full_name, phone=seed.phone,
                date_of_birth=seed.date_of_birth, sex=seed.sex, blood_group=seed.blood_group,
                address=seed.address, emergency_contact_name=seed.emergency_contact_name,
                emergency_contact_phone=seed.emergency_contact_phone, sharing_consent=seed.sharing_consent,
            ))
            ctx.users[email] = user
        ctx.add_login(f"Patient · {seed.note}" if seed.note else "Patient", "—", email,
                      featured=number == 1 or bool(seed.note))


Step = Callable[[DemoContext], None]
STEPS: list[Step] = [seed_hospitals, seed_staff, seed_doctors, seed_patients]


def optional_steps() -> Iterator[Step]:
    """The ``STEPS`` of each other installed app's ``demo`` module, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        if config.name == "hospitals":
            continue
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise  # the module exists but is broken: say so
        yield from module.STEPS


def seed(ctx: DemoContext | None = None) -> DemoContext:
    """Run every step (ours, then the optional apps') in one transaction; return the filled context.

    Notifications are stored, but no email is written (``healthstack.mail.emails_suppressed``):
    the demo addresses are ``.test``, and the task consumer of ``make run`` would print every
    one of them over the logins table and the newcomer's own emails.
    """
    ctx = ctx or DemoContext()
    with mail.emails_suppressed(), transaction.atomic():
        for step in [*STEPS, *optional_steps()]:
            step(ctx)
    return ctx
