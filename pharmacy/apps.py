from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pharmacy"

    def ready(self):
        from django.db.models import Q
        from django.utils.translation import gettext_lazy as _

        from accounts.orders import register_cart_section, register_order_source
        from hospitals.dashboard import register_panel
        from hospitals.navigation import register_nav_item
        from records.timeline import register_timeline_kind

        from . import payable  # noqa: F401  (registers the "medicine_order" payable)
        from . import cart, panels, prescription_parts, selectors
        from .events import register_events

        register_events()
        prescription_parts.register()
        register_nav_item("pharmacy", label=_("Pharmacy"), url_name="pharmacy_desk:desk", icon="capsule",
                          roles={"pharmacist", "admin"}, order=120)
        register_nav_item("medicines", label=_("Medicines"), url_name="pharmacy_desk:medicines", icon="box-seam",
                          roles={"pharmacist"}, order=121, also_active_on=(
                              "pharmacy_desk:medicine", "pharmacy_desk:medicine-new", "pharmacy_desk:medicine-edit",
                              "pharmacy_desk:receive", "pharmacy_desk:adjust", "pharmacy_desk:batches"))
        register_nav_item("medicine_orders", label=_("Medicine orders"), url_name="pharmacy_desk:orders",
                          icon="bag-check", roles={"pharmacist"}, order=122,
                          also_active_on=("pharmacy_desk:order", "pharmacy_desk:order-prescription"))
        register_panel("pharmacy/manage/partials/desk_panel.html", roles={"pharmacist", "admin"},
                       selector=panels.desk_summary, order=60)
        register_order_source("medicine", label=_("Medicines"), orders=selectors.patient_order_rows, order=60)
        register_cart_section("medicine", template="pharmacy/partials/cart_section.html", selector=cart.cart_section,
                              count=cart.cart_count, order=60)
        register_timeline_kind(
            "dispensed_medicine", label=_("Medicines dispensed"), template="pharmacy/partials/timeline_dispensed.html",
            entries=selectors.timeline_dispensed, order=25,
            hospitals=lambda patient: Q(medicine_orders__patient=patient,
                                        medicine_orders__status__in=["ready", "collected", "out_for_delivery",
                                                                     "delivered"]),
        )
