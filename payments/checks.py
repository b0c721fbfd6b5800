"""System checks for the gateway settings: a live store must talk to SSLCommerz's live host only."""

from django.conf import settings
from django.core.checks import Error, register

from .gateway import LIVE_BASE_URL

MODES = ("local", "sandbox", "live")


@register("payments")
def check_gateway_settings(app_configs=None, **kwargs):
    mode = settings.SSLCOMMERZ_MODE
    if mode not in MODES:
        return [Error(f"SSLCOMMERZ_MODE is {mode!r}; use one of {', '.join(MODES)}.", id="payments.E001")]
    problems = []
    if mode == "live" and settings.SSLCOMMERZ_BASE_URL.rstrip("/") != LIVE_BASE_URL:
        problems.append(Error(
            f"SSLCOMMERZ_MODE=live but SSLCOMMERZ_BASE_URL points elsewhere; live payments go to {LIVE_BASE_URL} only.",
            hint="Unset SSLCOMMERZ_BASE_URL (it follows the mode) or use sandbox mode.",
            id="payments.E002",
        ))
    if mode != "local" and not (settings.SSLCOMMERZ_STORE_ID and settings.SSLCOMMERZ_STORE_PASSWORD):
        problems.append(Error(
            f"SSLCOMMERZ_MODE={mode} needs SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD from SSLCommerz.",
            id="payments.E003",
        ))
    return problems


@register("payments", deploy=True)
def check_gateway_for_production(app_configs=None, **kwargs):
    if settings.SSLCOMMERZ_MODE == "local":
        return [Error(
            "Payments use the local SSLCommerz sandbox: patients can pay without money changing hands.",
            hint="Set SSLCOMMERZ_MODE=live with your store's SSLCOMMERZ_STORE_ID and SSLCOMMERZ_STORE_PASSWORD.",
            id="payments.E004",
        )]
    return []
