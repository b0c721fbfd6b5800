from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pharmacy"

    def ready(self):
        from django.db.models import Q
        from django.utils.translation import gettext_lazy as _

        from accounts.orders import register_cart_section, register_order_source
        from records.timeline import register_timeline_kind

        from . import payable  # noqa: F401  (registers the "medicine_order" payable)
        from . import cart, selectors
        from .events import register_events

        register_events()
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
