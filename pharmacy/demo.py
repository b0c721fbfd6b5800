"""Demo data for the pharmacy, run by ``seed_demo`` after the payments steps (see hospitals.demo).

Every approved demo hospital gets about sixty common medicines (generic names with brands sold
in Bangladesh) and their batches: different expiries, one batch expired (to write off), one
expiring this month, one medicine under its reorder level. The first hospital delivers, and its
demo patients have medicine orders in every state, one of them bought against an issued
prescription of a prescription-only medicine. Stock moves only through the services, so the
ledger balances. Each part is skipped when it is already there.
"""

import calendar
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from healthstack.localtime import local_date
from hospitals.demo import DHAKA, DemoContext, patient_email
from hospitals.models import Hospital, Membership
from payments.demo import seed_paid_bookings
from payments.models import Payment, content_type_of
from records.models import Prescription

from . import services
from .models import Medicine, MedicineOrder, PharmacySettings, StockBatch

# generic, brand, strength, dosage form, unit, pack, unit price (BDT), prescription only, manufacturer
CATALOGUE = [
    ("Paracetamol", "Napa", "500 mg", "tablet", "tablet", "strip of 10", "1.20", False, "Beximco Pharmaceuticals"),
    ("Paracetamol", "Napa Extend", "665 mg", "tablet", "tablet", "strip of 10", "2.00", False, "Beximco Pharmaceuticals"),
    ("Paracetamol", "Ace", "120 mg/5 ml", "suspension", "bottle", "60 ml bottle", "35.00", False, "Square Pharmaceuticals"),
    ("Omeprazole", "Seclo", "20 mg", "capsule", "capsule", "strip of 10", "5.00", False, "Square Pharmaceuticals"),
    ("Esomeprazole", "Maxpro", "20 mg", "tablet", "tablet", "strip of 10", "7.00", False, "Renata"),
    ("Esomeprazole", "Sergel", "40 mg", "capsule", "capsule", "strip of 10", "10.00", False, "Healthcare Pharmaceuticals"),
    ("Pantoprazole", "Pantonix", "20 mg", "tablet", "tablet", "strip of 10", "5.00", False, "Incepta"),
    ("Rabeprazole", "Finix", "20 mg", "tablet", "tablet", "strip of 10", "7.00", False, "Opsonin Pharma"),
    ("Metformin", "Comet", "500 mg", "tablet", "tablet", "strip of 10", "4.00", True, "Square Pharmaceuticals"),
    ("Gliclazide", "Comprid", "80 mg", "tablet", "tablet", "strip of 10", "6.00", True, "Square Pharmaceuticals"),
    ("Sitagliptin", "Sitaglip", "50 mg", "tablet", "tablet", "strip of 10", "25.00", True, "Incepta"),
    ("Amlodipine", "Camlodin", "5 mg", "tablet", "tablet", "strip of 10", "6.00", True, "Square Pharmaceuticals"),
    ("Losartan", "Osartil", "50 mg", "tablet", "tablet", "strip of 10", "8.00", True, "Incepta"),
    ("Bisoprolol", "Bisocor", "2.5 mg", "tablet", "tablet", "strip of 10", "6.00", True, "Healthcare Pharmaceuticals"),
    ("Atenolol", "Tenoren", "50 mg", "tablet", "tablet", "strip of 14", "3.00", True, "ACI"),
    ("Rosuvastatin", "Rosuva", "10 mg", "tablet", "tablet", "strip of 10", "15.00", True, "Square Pharmaceuticals"),
    ("Atorvastatin", "Atova", "10 mg", "tablet", "tablet", "strip of 10", "10.00", True, "Beximco Pharmaceuticals"),
    ("Clopidogrel", "Clopid", "75 mg", "tablet", "tablet", "strip of 10", "10.00", True, "Square Pharmaceuticals"),
    ("Aspirin", "Ecosprin", "75 mg", "tablet", "tablet", "strip of 28", "0.60", False, "ACI"),
    ("Azithromycin", "Zimax", "500 mg", "tablet", "tablet", "strip of 3", "40.00", True, "Square Pharmaceuticals"),
    ("Azithromycin", "Zimax", "200 mg/5 ml", "suspension", "bottle", "15 ml bottle", "110.00", True,
     "Square Pharmaceuticals"),
    ("Cefixime", "Cef-3", "200 mg", "capsule", "capsule", "strip of 6", "35.00", True, "Square Pharmaceuticals"),
    ("Cefuroxime", "Kilbac", "500 mg", "tablet", "tablet", "strip of 4", "50.00", True, "Incepta"),
    ("Amoxicillin", "Moxacil", "500 mg", "capsule", "capsule", "strip of 10", "8.00", True, "Square Pharmaceuticals"),
    ("Ciprofloxacin", "Ciprocin", "500 mg", "tablet", "tablet", "strip of 10", "15.00", True, "Square Pharmaceuticals"),
    ("Metronidazole", "Amodis", "400 mg", "tablet", "tablet", "strip of 10", "1.50", True, "Square Pharmaceuticals"),
    ("Flucloxacillin", "Fluclox", "500 mg", "capsule", "capsule", "strip of 10", "12.00", True, "Beximco Pharmaceuticals"),
    ("Doxycycline", "Doxicap", "100 mg", "capsule", "capsule", "strip of 10", "3.00", True, "Drug International"),
    ("Cetirizine", "Alatrol", "10 mg", "tablet", "tablet", "strip of 10", "3.00", False, "Square Pharmaceuticals"),
    ("Fexofenadine", "Fexo", "120 mg", "tablet", "tablet", "strip of 10", "9.00", False, "Square Pharmaceuticals"),
    ("Loratadine", "Loratin", "10 mg", "tablet", "tablet", "strip of 10", "4.00", False, "Incepta"),
    ("Desloratadine", "Deslor", "5 mg", "tablet", "tablet", "strip of 10", "5.00", False, "Opsonin Pharma"),
    ("Montelukast", "Monas", "10 mg", "tablet", "tablet", "strip of 10", "16.00", True, "Acme Laboratories"),
    ("Salbutamol", "Sultolin", "100 mcg", "inhaler", "inhaler", "200-dose inhaler", "200.00", True,
     "Square Pharmaceuticals"),
    ("Salbutamol", "Ventolin", "2 mg/5 ml", "syrup", "bottle", "100 ml bottle", "30.00", False, "GSK Bangladesh"),
    ("Fluticasone + Salmeterol", "Seretide", "250/25 mcg", "inhaler", "inhaler", "120-dose inhaler", "850.00", True,
     "GSK Bangladesh"),
    ("Ibuprofen", "Inflam", "400 mg", "tablet", "tablet", "strip of 10", "2.50", False, "Incepta"),
    ("Naproxen", "Naprosyn", "500 mg", "tablet", "tablet", "strip of 10", "10.00", True, "Radiant Pharmaceuticals"),
    ("Diclofenac", "Clofenac", "50 mg", "tablet", "tablet", "strip of 10", "2.00", False, "Square Pharmaceuticals"),
    ("Diclofenac", "Voltalin", "1%", "cream", "tube", "20 g tube", "55.00", False, "Novartis Bangladesh"),
    ("Ketorolac", "Torax", "10 mg", "tablet", "tablet", "strip of 10", "12.00", True, "Square Pharmaceuticals"),
    ("Domperidone", "Motigut", "10 mg", "tablet", "tablet", "strip of 10", "3.00", False, "Square Pharmaceuticals"),
    ("Ondansetron", "Emistat", "8 mg", "tablet", "tablet", "strip of 10", "15.00", True, "Incepta"),
    ("Oral rehydration salts", "Orsaline-N", "20.5 g", "other", "sachet", "box of 20", "5.00", False, "SMC"),
    ("Loperamide", "Imotil", "2 mg", "capsule", "capsule", "strip of 10", "3.00", False, "Square Pharmaceuticals"),
    ("Antacid", "Antacid Plus", "200 ml", "suspension", "bottle", "200 ml bottle", "70.00", False, "Square Pharmaceuticals"),
    ("Famotidine", "Famotack", "20 mg", "tablet", "tablet", "strip of 10", "2.50", False, "Square Pharmaceuticals"),
    ("Levothyroxine", "Thyrox", "50 mcg", "tablet", "tablet", "pot of 100", "1.50", True, "Renata"),
    ("Prednisolone", "Cortan", "5 mg", "tablet", "tablet", "strip of 10", "1.00", True, "Square Pharmaceuticals"),
    ("Calcium + Vitamin D", "Calbo-D", "500 mg/200 IU", "tablet", "tablet", "pot of 30", "7.00", False,
     "Square Pharmaceuticals"),
    ("Ferrous fumarate + Folic acid", "Fefol", "", "capsule", "capsule", "strip of 10", "2.50", False, "GSK Bangladesh"),
    ("Vitamin B complex", "Becosules", "", "capsule", "capsule", "strip of 10", "3.00", False, "Pfizer Bangladesh"),
    ("Zinc sulphate", "Zinc-B", "20 mg", "tablet", "tablet", "strip of 10", "1.50", False, "Square Pharmaceuticals"),
    ("Clonazepam", "Rivotril", "0.5 mg", "tablet", "tablet", "strip of 10", "6.00", True, "Roche Bangladesh"),
    ("Sertraline", "Serlin", "50 mg", "tablet", "tablet", "strip of 10", "8.00", True, "Square Pharmaceuticals"),
    ("Gabapentin", "Gabarol", "300 mg", "capsule", "capsule", "strip of 10", "12.00", True, "Square Pharmaceuticals"),
    ("Chloramphenicol", "Chlorsig", "0.5%", "drops", "bottle", "10 ml bottle", "40.00", True, "Square Pharmaceuticals"),
    ("Ciprofloxacin", "Ciprocin", "0.3%", "drops", "bottle", "5 ml bottle", "45.00", True, "Square Pharmaceuticals"),
    ("Povidone-iodine", "Viodin", "5%", "ointment", "tube", "25 g tube", "60.00", False, "Square Pharmaceuticals"),
    ("Clotrimazole", "Neoderm", "1%", "cream", "tube", "15 g tube", "45.00", False, "ACI"),
    ("Insulin (human, premixed 30/70)", "Insul 30/70", "100 IU/ml", "injection", "vial", "10 ml vial", "450.00", True,
     "Novo Nordisk"),
]
LOW_STOCK = ("Montelukast", "Monas")  # stocked under its reorder level
EXPIRED = ("Cetirizine", "Alatrol")  # one batch expired last month, waiting to be written off
EXPIRING_THIS_MONTH = ("Ibuprofen", "Inflam")  # one batch runs out at the end of this month
FEATURED_PRESCRIPTION_ONLY = "Rosuvastatin"  # on a demo patient's issued prescription (records.demo)


def _pharmacist(hospital: Hospital):
    membership = (Membership.objects.for_hospital(hospital).approved().filter(role=Membership.Role.PHARMACIST)
                  .select_related("user").first())
    return membership.user if membership else None


def _approved_hospitals(ctx: DemoContext) -> list[Hospital]:
    return [h for h in ctx.hospitals.values() if h.status == Hospital.Status.APPROVED]


def seed_catalogue(ctx: DemoContext) -> None:
    """About sixty medicines per approved hospital, prices a little different at each; the first hospital delivers."""
    for index, hospital in enumerate(_approved_hospitals(ctx)):
        pharmacist = _pharmacist(hospital)
        if not PharmacySettings.objects.filter(hospital=hospital).exists():
            services.update_pharmacy_settings(hospital=hospital, by=pharmacist, delivery_offered=hospital.slug == DHAKA,
                                              delivery_fee=Decimal("60.00") if hospital.slug == DHAKA else 0)
        existing = set(Medicine.objects.for_hospital(hospital).values_list("generic_name", "brand_name", "strength",
                                                                           "dosage_form"))
        for generic, brand, strength, form, unit, pack, price, rx, maker in CATALOGUE:
            if (generic, brand, strength, form) in existing:
                continue
            markup = Decimal(100 + 5 * index) / 100
            services.create_medicine(
                hospital=hospital, by=pharmacist, generic_name=generic, brand_name=brand, strength=strength,
                dosage_form=form, unit=unit, pack=pack, unit_price=(Decimal(price) * markup).quantize(Decimal("0.01")),
                prescription_only=rx, reorder_level=20 if form in Medicine.COUNTED_FORMS else 5, manufacturer=maker,
            )
            ctx.created[Medicine.__name__] += 1


def _end_of_month(today: date) -> date:
    """The last day of ``today``'s month, or tomorrow when today is that day (a batch must not expire today)."""
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return last if last > today else today + timedelta(days=1)


def seed_stock(ctx: DemoContext) -> None:
    """Two batches of each medicine with different expiries, and the expired, expiring and low-stock examples."""
    now = timezone.now()
    for hospital in _approved_hospitals(ctx):
        pharmacist = _pharmacist(hospital)
        today = local_date(now, hospital)
        stocked = set(StockBatch.objects.for_hospital(hospital).values_list("medicine_id", flat=True))
        medicines = Medicine.objects.for_hospital(hospital).exclude(pk__in=stocked).order_by("pk")
        for number, medicine in enumerate(medicines):
            counted = medicine.dosage_form in Medicine.COUNTED_FORMS
            key = (medicine.generic_name, medicine.brand_name)
            prefix = (medicine.brand_name or medicine.generic_name)[:3].upper()
            if key == LOW_STOCK:
                batches = [(f"{prefix}-2601", today + timedelta(days=200), 12)]
            else:
                batches = [(f"{prefix}-2511", today + timedelta(days=75 + 13 * (number % 9)), 200 if counted else 30),
                           (f"{prefix}-2604", today + timedelta(days=400 + 11 * (number % 7)), 300 if counted else 40)]
            if key == EXPIRING_THIS_MONTH:
                batches[0] = (f"{prefix}-2505", _end_of_month(today), 40)
            for batch_number, expiry, quantity in batches:
                services.receive_stock(medicine=medicine, by=pharmacist, batch_number=batch_number, expiry_date=expiry,
                                       quantity=quantity, cost=(medicine.unit_price * Decimal("0.7")).quantize(
                                           Decimal("0.01")), supplier=medicine.manufacturer, now=now)
                ctx.created[StockBatch.__name__] += 1
            if key == EXPIRED:
                received = now - timedelta(days=400)
                services.receive_stock(medicine=medicine, by=pharmacist, batch_number=f"{prefix}-2410",
                                       expiry_date=today - timedelta(days=20), quantity=60,
                                       cost=(medicine.unit_price * Decimal("0.7")).quantize(Decimal("0.01")),
                                       supplier=medicine.manufacturer, now=received)
                ctx.created[StockBatch.__name__] += 1


def _buy(patient, medicine: Medicine, quantity: int, **checkout) -> MedicineOrder:
    services.add_to_cart(patient=patient, medicine=medicine, quantity=quantity)
    return services.checkout(patient=patient, order=services.open_cart(patient=patient, hospital=medicine.hospital),
                             **checkout)


def _payment_page_opened(order: MedicineOrder) -> None:
    """An attempt waiting at the gateway, as when the patient opened the payment page and has not paid yet.

    It also tells the payments demo, which pays every demo payable with no attempt, to leave this one unpaid.
    """
    Payment.objects.create(
        tran_id=f"HSD{secrets.token_hex(8).upper()}", payer=order.patient, hospital_id=order.hospital_id,
        amount=order.amount, currency=order.currency, description=order.description, content_type=content_type_of(order),
        object_id=order.pk, sessionkey="DEMO",
    )


def seed_orders(ctx: DemoContext) -> None:
    """Medicine orders at the first hospital in every state, paid through the payments demo (receipts included)."""
    hospital = ctx.hospitals.get(DHAKA)
    if hospital is None or MedicineOrder.objects.for_hospital(hospital).exists():
        return
    pharmacist = _pharmacist(hospital)
    patients = [user for n in range(1, 7) if (user := ctx.users.get(patient_email(n))) is not None]
    if len(patients) < 3 or pharmacist is None:
        return
    shop = {m.brand_name: m for m in Medicine.objects.for_hospital(hospital)}
    first, second, third = patients[:3]
    address = {"delivery": True, "delivery_address": "House 12, Road 5, Dhanmondi, Dhaka 1205"}

    # Bought against an issued prescription of a prescription-only medicine, when the records demo wrote one.
    prescribed = (Prescription.objects.filter(status=Prescription.Status.ISSUED, hospital=hospital,
                                              items__medicine_name__iexact=FEATURED_PRESCRIPTION_ONLY)
                  .select_related("patient").order_by("pk").first())
    to_pay = []
    if prescribed is not None:
        fill = services.cart_from_prescription(patient=prescribed.patient, prescription=prescribed)
        if fill.added:
            to_pay.append(("collected", services.checkout(patient=prescribed.patient, order=fill.order)))
    to_pay += [
        ("paid", _buy(first, shop["Napa"], 20)),
        ("preparing", _buy(second, shop["Seclo"], 14)),
        ("ready", _buy(third, shop["Alatrol"], 10)),
        ("out_for_delivery", _buy(first, shop["Fexo"], 10, **address)),
        ("delivered", _buy(second, shop["Orsaline-N"], 10, **address)),
    ]
    seed_paid_bookings(ctx)  # the payments demo pays every order awaiting payment, as if by card
    for target, order in to_pay:
        order.refresh_from_db()
        if target != "paid":
            order = services.start_preparing(order=order, by=pharmacist)
        if target in ("ready", "collected", "out_for_delivery", "delivered"):
            order = services.mark_ready(order=order, by=pharmacist)
        if target == "collected":
            services.mark_collected(order=order, by=pharmacist)
        if target in ("out_for_delivery", "delivered"):
            order = services.send_out_for_delivery(order=order, by=pharmacist)
        if target == "delivered":
            services.mark_delivered(order=order, by=pharmacist)
    ctx.created[MedicineOrder.__name__] += len(to_pay)

    # After the payments demo: these stay unpaid.
    stale = _buy(second, shop["Ecosprin"], 28, now=timezone.now() - timedelta(hours=2))
    services.expire_order(order=stale)
    cancelled = _buy(third, shop["Inflam"], 10)
    services.cancel_order(order=cancelled, by=third, reason="Bought them nearer home.")
    waiting = _buy(first, shop["Motigut"], 10)  # awaiting payment, its hold running
    _payment_page_opened(waiting)
    services.add_to_cart(patient=third, medicine=shop["Calbo-D"], quantity=30)  # an open cart
    ctx.created[MedicineOrder.__name__] += 4


STEPS = [seed_catalogue, seed_stock, seed_orders]
