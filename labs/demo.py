"""Demo data for the laboratory, run by ``seed_demo`` after the payments steps (see hospitals.demo).

Every approved demo hospital gets a catalogue of common tests with real units, adult reference
ranges and prices in BDT. Dhaka Central Hospital's lab gets orders in every state: one awaiting
payment (its payment attempt was abandoned), one paid awaiting its sample, one in progress,
reported ones with high values, and a critical result awaiting the ordering doctor's
acknowledgement (long enough that the admins were alerted); the first demo patient has HbA1c
results over the past year at two hospitals for the trend chart. Dates count back from the
moment the demo is seeded; every order goes through the services. Each part is skipped when it
is already there.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from hospitals.demo import DHAKA, PORT_CITY, DemoContext, patient_email
from hospitals.models import Hospital, Membership
from payments.demo import abandon_as_demo, pay_as_demo
from records import services as records
from records.models import Prescription

from . import services
from .models import Analyte, LabOrder, LabTest

D = Decimal
ADULT = 6575  # ADULT_AGE_DAYS: the adult bands start here; the any-sex child bands end the day before


def numeric(name, unit, low=None, high=None, *, critical=(None, None), female=None, male=None, decimals=1,
            interpretation=""):
    """An analyte with one adult range for any sex, or ``female`` / ``male`` (low, high) ranges."""
    ranges = []
    if female or male:
        for sex, (lo, hi) in (("female", female), ("male", male)):
            ranges.append(dict(sex=sex, age_from_days=ADULT, low=lo, high=hi, critical_low=critical[0],
                               critical_high=critical[1], interpretation=interpretation))
    else:
        ranges.append(dict(sex="any", age_from_days=ADULT, low=low, high=high, critical_low=critical[0],
                           critical_high=critical[1], interpretation=interpretation))
    return dict(name=name, unit=unit, result_kind="numeric", decimals=decimals, ranges=ranges)


def choice(name, *choices):
    return dict(name=name, unit="", result_kind="choice", choices="\n".join(choices), decimals=0, ranges=[])


def text(name):
    return dict(name=name, unit="", result_kind="text", decimals=0, ranges=[])


FASTING = "Fasting 8–10 hours (water is fine). Come before 10 am."
EDTA, SERUM, URINE = "Venous blood (EDTA)", "Venous blood (serum)", "Urine, midstream morning sample"
PLUSES = ("Nil", "Trace", "+", "++", "+++")

# code, name, section, sample, price, hours, preparation, prescription-only, analytes
CATALOGUE = [
    ("CBC", "Complete blood count (CBC)", "haematology", EDTA, "450", 6, "", False, [
        numeric("Haemoglobin", "g/dL", female=(D("12.0"), D("15.5")), male=(D("13.5"), D("17.5")),
                critical=(D("7.0"), D("20.0"))),
        numeric("WBC (total count)", "×10⁹/L", D("4.0"), D("11.0"), critical=(D("2.0"), D("30.0"))),
        numeric("Platelets", "×10⁹/L", D("150"), D("400"), critical=(D("50"), D("1000")), decimals=0),
        numeric("RBC", "×10¹²/L", female=(D("3.8"), D("5.2")), male=(D("4.5"), D("5.9")), decimals=2),
        numeric("Haematocrit (PCV)", "%", female=(D("36"), D("46")), male=(D("41"), D("53"))),
        numeric("MCV", "fL", D("80"), D("100")),
    ]),
    ("ESR", "Erythrocyte sedimentation rate (ESR)", "haematology", EDTA, "200", 4, "", False, [
        numeric("ESR", "mm in 1st hour", female=(D("0"), D("20")), male=(D("0"), D("15")), decimals=0),
    ]),
    ("BG", "Blood grouping and Rh type", "haematology", EDTA, "150", 2, "", False, [
        choice("Blood group", "A+", "A−", "B+", "B−", "AB+", "AB−", "O+", "O−"),
    ]),
    ("PBF", "Peripheral blood film", "haematology", EDTA, "400", 24, "", False, [text("Findings")]),
    ("FBS", "Fasting blood sugar (FBS)", "biochemistry", "Venous blood (fluoride)", "200", 4, FASTING, False, [
        numeric("Fasting glucose", "mmol/L", D("3.9"), D("5.5"), critical=(D("2.5"), D("25.0")),
                interpretation="5.6–6.9 impaired fasting glucose; 7.0 or more suggests diabetes."),
    ]),
    ("2HABF", "Blood sugar 2 hours after breakfast", "biochemistry", "Venous blood (fluoride)", "200", 4,
     "Eat your usual breakfast; the sample is taken exactly 2 hours later.", False, [
        numeric("Glucose 2 h after breakfast", "mmol/L", D("3.9"), D("7.7"), critical=(D("2.5"), D("25.0"))),
    ]),
    ("HBA1C", "HbA1c (glycated haemoglobin)", "biochemistry", EDTA, "900", 24, "", False, [
        numeric("HbA1c", "%", D("4.0"), D("5.6"),
                interpretation="5.7–6.4 % prediabetes; 6.5 % or more diabetes; target for most diabetics below 7 %."),
    ]),
    ("LIPID", "Lipid profile", "biochemistry", SERUM, "1200", 24, "Fasting 10–12 hours (water is fine).", False, [
        numeric("Total cholesterol", "mmol/L", None, D("5.2"), decimals=2),
        numeric("Triglycerides", "mmol/L", None, D("1.7"), decimals=2),
        numeric("HDL cholesterol", "mmol/L", D("1.0"), None, decimals=2),
        numeric("LDL cholesterol", "mmol/L", None, D("3.4"), decimals=2),
    ]),
    ("CREAT", "Serum creatinine", "biochemistry", SERUM, "350", 6, "", False, [
        numeric("Creatinine", "mg/dL", female=(D("0.5"), D("1.1")), male=(D("0.7"), D("1.3")),
                critical=(None, D("10.0")), decimals=2),
    ]),
    ("UREA", "Blood urea", "biochemistry", SERUM, "300", 6, "", False, [
        numeric("Urea", "mg/dL", D("15"), D("40"), decimals=0),
    ]),
    ("ALT", "ALT (SGPT)", "biochemistry", SERUM, "300", 6, "", False, [
        numeric("ALT (SGPT)", "U/L", D("7"), D("56"), decimals=0),
    ]),
    ("AST", "AST (SGOT)", "biochemistry", SERUM, "300", 6, "", False, [
        numeric("AST (SGOT)", "U/L", D("10"), D("40"), decimals=0),
    ]),
    ("BIL", "Serum bilirubin (total)", "biochemistry", SERUM, "300", 6, "", False, [
        numeric("Total bilirubin", "mg/dL", D("0.3"), D("1.2"), critical=(None, D("15.0"))),
    ]),
    ("ELEC", "Serum electrolytes", "biochemistry", SERUM, "900", 6, "", True, [
        numeric("Sodium", "mmol/L", D("135"), D("145"), critical=(D("120"), D("160")), decimals=0),
        numeric("Potassium", "mmol/L", D("3.5"), D("5.1"), critical=(D("2.5"), D("6.5"))),
        numeric("Chloride", "mmol/L", D("98"), D("107"), decimals=0),
    ]),
    ("URIC", "Serum uric acid", "biochemistry", SERUM, "400", 6, "", False, [
        numeric("Uric acid", "mg/dL", female=(D("2.4"), D("6.0")), male=(D("3.4"), D("7.0"))),
    ]),
    ("CA", "Serum calcium", "biochemistry", SERUM, "400", 6, "", False, [
        numeric("Calcium", "mg/dL", D("8.6"), D("10.2"), critical=(D("6.5"), D("13.0"))),
    ]),
    ("TSH", "Thyroid stimulating hormone (TSH)", "immunology", SERUM, "800", 24, "", False, [
        numeric("TSH", "mIU/L", D("0.40"), D("4.00"), decimals=2),
    ]),
    ("FT4", "Free T4", "immunology", SERUM, "800", 24, "", True, [
        numeric("Free T4", "ng/dL", D("0.8"), D("1.8"), decimals=2),
    ]),
    ("VITD", "Vitamin D (25-OH)", "immunology", SERUM, "2500", 48, "", False, [
        numeric("25-OH vitamin D", "ng/mL", D("30"), D("100"),
                interpretation="Below 20 ng/mL deficiency; 20–29 insufficiency."),
    ]),
    ("CRP", "C-reactive protein (CRP)", "immunology", SERUM, "600", 6, "", False, [
        numeric("CRP", "mg/L", None, D("5.0")),
    ]),
    ("NS1", "Dengue NS1 antigen", "serology", SERUM, "500", 4, "", False, [
        choice("Dengue NS1", "Negative", "Positive"),
    ]),
    ("HBSAG", "HBsAg (hepatitis B surface antigen)", "serology", SERUM, "400", 6, "", False, [
        choice("HBsAg", "Non-reactive", "Reactive"),
    ]),
    ("TYPHI", "Typhidot (Salmonella typhi IgM)", "serology", SERUM, "700", 6, "", False, [
        choice("S. typhi IgM", "Negative", "Positive"),
    ]),
    ("URE", "Urine routine examination (R/M/E)", "urine_stool", URINE, "300", 4,
     "Collect the first morning urine, midstream, in the container the lab gives you.", False, [
        text("Colour"),
        choice("Appearance", "Clear", "Slightly turbid", "Turbid"),
        numeric("pH", "", D("4.5"), D("8.0")),
        numeric("Specific gravity", "", D("1.005"), D("1.030"), decimals=3),
        choice("Protein", *PLUSES),
        choice("Sugar", *PLUSES),
        numeric("Pus cells", "/HPF", D("0"), D("5"), decimals=0),
    ]),
    ("SRE", "Stool routine examination", "urine_stool", "Stool, fresh sample", "300", 6, "", False, [
        text("Consistency"),
        choice("Ova and cysts", "Not found", "Found"),
    ]),
    ("UCS", "Urine culture and sensitivity", "microbiology", URINE, "800", 72,
     "Collect before starting antibiotics, in the sterile container the lab gives you.", True, [
        text("Organism and sensitivity"),
    ]),
]


def _lab_worker(hospital: Hospital):
    membership = (Membership.objects.active().filter(hospital=hospital, role=Membership.Role.LAB_WORKER)
                  .select_related("user").first())
    return membership.user if membership else None


def seed_lab_catalogue(ctx: DemoContext) -> None:
    """About 25 common tests, each with its analytes and adult ranges, at every approved demo hospital."""
    for hospital in ctx.hospitals.values():
        if hospital.status != Hospital.Status.APPROVED:
            continue
        existing = {code.upper() for code in LabTest.objects.for_hospital(hospital).values_list("code", flat=True)}
        for code, name, section, sample, price, hours, preparation, prescription_only, analytes in CATALOGUE:
            if code in existing:
                continue
            test = services.create_lab_test(
                hospital=hospital, by=None, code=code, name=name, section=section, sample_type=sample, price=price,
                preparation=preparation, turnaround_hours=hours, requires_prescription=prescription_only,
            )
            ctx.created[LabTest.__name__] += 1
            for spec in analytes:
                analyte = services.add_analyte(lab_test=test, name=spec["name"], unit=spec["unit"],
                                               result_kind=spec["result_kind"], choices=spec.get("choices", ""),
                                               decimals=spec["decimals"])
                ctx.created[Analyte.__name__] += 1
                for reference in spec["ranges"]:
                    services.add_reference_range(analyte=analyte, **reference)


def _tests(hospital, *codes):
    found = {t.code: t for t in LabTest.objects.for_hospital(hospital).filter(code__in=codes)}
    return [found[code] for code in codes]


def _values(order, by_name: dict) -> dict:
    """{analyte id: value}: the values named in ``by_name``; every other numeric a plausible value inside
    its range, every choice its first choice, every text a normal finding."""
    values = {}
    for line in order.lines.select_related("lab_test").prefetch_related("lab_test__analytes__ranges"):
        for analyte in line.lab_test.analytes.all():
            if analyte.name in by_name:
                values[analyte.pk] = by_name[analyte.name]
            elif analyte.result_kind == Analyte.Kind.CHOICE:
                values[analyte.pk] = analyte.choice_list[0]
            elif analyte.result_kind == Analyte.Kind.TEXT:
                values[analyte.pk] = "Pale yellow" if analyte.name == "Colour" else "Normal"
            else:
                reference = analyte.ranges.all()[0] if analyte.ranges.all() else None
                low, high = (reference.low, reference.high) if reference else (None, None)
                if low is not None and high is not None:
                    middle = (low + high) / 2
                elif high is not None:
                    middle = high * D("0.8")
                else:
                    middle = (low or D("1")) * D("1.3")
                values[analyte.pk] = f"{middle.quantize(D(1).scaleb(-analyte.decimals))}"
    return values


def _place(ctx, patient, hospital, codes, *, when: datetime, prescription=None, paid=True):
    order = services.order_tests(patient=patient, hospital=hospital, tests=_tests(hospital, *codes),
                                 prescription=prescription, now=when)
    ctx.created[LabOrder.__name__] += 1
    if paid:
        pay_as_demo(ctx, patient, order)
        order.refresh_from_db()
    return order


def _report(order, worker, values: dict, *, when: datetime, verify=True):
    services.collect_sample(order=order, by=worker, now=when)
    services.enter_results(order=order, values=_values(order, values), by=worker, now=when + timedelta(hours=1))
    if verify:
        services.verify_and_report(order=order, by=worker, now=when + timedelta(hours=2))
    order.refresh_from_db()
    return order


def _prescribe_tests(doctor_membership, patient, codes, *, diagnosis: str):
    """A new issued prescription of a doctor in care of ``patient`` that recommends catalogue tests."""
    draft = records.create_prescription(
        membership=doctor_membership, patient=patient, diagnosis=diagnosis,
        advice="Do the tests below and bring the report at your next visit.",
        items=[{"medicine_name": "Ferrous sulphate", "strength": "200 mg", "dose": "1 tablet", "frequency": "1+0+1",
                "duration": "30 days", "instructions": "After meals"}],
    )
    services.recommend_tests(prescription=draft, tests=_tests(doctor_membership.hospital, *codes),
                             by=doctor_membership.user)
    return records.issue_prescription(prescription=draft, by=doctor_membership.user)


def seed_lab_orders(ctx: DemoContext) -> None:
    """Dhaka Central's lab desk with an order in every state and a critical result awaiting its doctor."""
    hospital = ctx.hospitals.get(DHAKA)
    patients = [ctx.users.get(patient_email(n)) for n in range(1, 7)]
    if hospital is None or None in patients or LabOrder.objects.for_hospital(hospital).placed().exists():
        return
    worker = _lab_worker(hospital)
    if worker is None or not LabTest.objects.for_hospital(hospital).exists():
        return
    now = timezone.now()

    waiting = _place(ctx, patients[1], hospital, ["CBC", "FBS"], when=now - timedelta(minutes=5), paid=False)
    abandon_as_demo(ctx, patients[1], waiting)
    _place(ctx, patients[2], hospital, ["LIPID", "FBS"], when=now - timedelta(hours=3))
    in_progress = _place(ctx, patients[3], hospital, ["CBC", "TSH"], when=now - timedelta(hours=5))
    _report(in_progress, worker, {}, when=now - timedelta(hours=4), verify=False)
    high = _place(ctx, patients[4], hospital, ["FBS", "LIPID", "ALT"], when=now - timedelta(days=2))
    _report(high, worker, {"Fasting glucose": "7.8", "Total cholesterol": "6.40", "LDL cholesterol": "4.30",
                           "ALT (SGPT)": "88"}, when=now - timedelta(days=2) + timedelta(hours=1))
    _report(_place(ctx, patients[5], hospital, ["URE", "CRP"], when=now - timedelta(hours=6)), worker,
            {"Pus cells": "12", "Protein": "+", "CRP": "18.0"}, when=now - timedelta(hours=5))

    # A critical haemoglobin on tests a doctor prescribed: it waits on that doctor's dashboard.
    prescription = (Prescription.objects.filter(hospital=hospital, status=Prescription.Status.ISSUED)
                    .select_related("membership", "patient").order_by("issued_at").first())
    if prescription is not None:
        ordered = _prescribe_tests(prescription.membership, prescription.patient, ["CBC", "CREAT"],
                                   diagnosis="Fatigue and breathlessness; suspected anaemia")
        critical = _place(ctx, prescription.patient, hospital, ["CBC", "CREAT"], prescription=ordered,
                          when=now - timedelta(hours=3))
        # Collected at -2:40, typed at -1:40, verified at -0:40: reported before now, never after.
        _report(critical, worker, {"Haemoglobin": "6.2", "Haematocrit (PCV)": "21"},
                when=now - timedelta(hours=2, minutes=40))
        # Forty minutes without the doctor's acknowledgement: the admins have been alerted, in the app
        # only (seed_demo writes no email), rather than by the consumer's first sweep after `make run`.
        services.escalate_unacknowledged_criticals(now=now)


HBA1C_YEAR = [(360, "8.4", DHAKA), (250, "7.8", PORT_CITY), (130, "7.1", DHAKA), (20, "6.6", DHAKA)]


def seed_hba1c_trend(ctx: DemoContext) -> None:
    """The first demo patient's HbA1c over the past year, at two hospitals: the trend chart's data."""
    patient = ctx.users.get(patient_email(1))
    if patient is None or LabOrder.objects.for_patient(patient).filter(
            lines__lab_test__code="HBA1C", status=LabOrder.Status.REPORTED).exists():
        return
    now = timezone.now()
    for days_ago, value, slug in HBA1C_YEAR:
        hospital = ctx.hospitals.get(slug)
        worker = _lab_worker(hospital) if hospital else None
        if worker is None or not LabTest.objects.for_hospital(hospital).filter(code="HBA1C").exists():
            continue
        when = now - timedelta(days=days_ago)
        order = _place(ctx, patient, hospital, ["HBA1C", "FBS"], when=when)
        _report(order, worker, {"HbA1c": value, "Fasting glucose": str(D(value) - D("0.4"))},
                when=when + timedelta(hours=1))


STEPS = [seed_lab_catalogue, seed_lab_orders, seed_hba1c_trend]
