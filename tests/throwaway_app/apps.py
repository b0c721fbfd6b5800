"""A pharmacy stock app that exists only in tests: it plugs into the staff bar, the dashboard and
notifications from its ready(), as any new app would, without any other app knowing it."""

from django.apps import AppConfig


def low_stock(*, hospital, user, memberships) -> dict:
    return {"stock_hospital": hospital.name, "low_count": 3, "pharmacist_role": memberships["pharmacist"].role}


class ThrowawayConfig(AppConfig):
    name = "tests.throwaway_app"
    label = "throwaway"

    def ready(self):
        from hospitals.dashboard import register_panel
        from hospitals.navigation import register_nav_item
        from notifications.events import register_event

        register_nav_item("stock", label="Stock", url_name="stock:list", icon="box-seam", roles={"pharmacist"},
                          order=120)
        register_panel("throwaway/low_stock_panel.html", roles={"pharmacist"}, selector=low_stock, order=5)
        register_event("stock_low", title="Running low at {{ hospital_name }}: {{ medicine }}")
