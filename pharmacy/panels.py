"""The pharmacy's pieces of the staff dashboard: the desk's figures for pharmacists and admins."""

from . import selectors


def desk_summary(*, hospital, user, memberships) -> dict:
    """Orders to prepare and ready, low stock, expiring batches, expired value (desk_dashboard: four queries)."""
    return {"hospital": hospital, "dashboard": selectors.desk_dashboard(hospital),
            "expiry_windows": selectors.EXPIRY_WINDOWS}
