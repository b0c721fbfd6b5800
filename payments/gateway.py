"""The one door to SSLCommerz: sslcommerz-lib's client, pointed at the configured host, with a timeout.

``SSLCommerzGateway`` keeps the library's request building (createSession, the validation,
transaction and refund queries) and its ``hash_validate_ipn``; it replaces ``call_api``,
which in the library has no timeout, swallows every error and prints. Here every call
either returns the gateway's JSON object or raises :class:`GatewayError` ("try again").
The store password is sent to the gateway and nowhere else: not into logs, reprs or
exception messages.
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from sslcommerz_lib import SSLCOMMERZ

logger = logging.getLogger(__name__)

LIVE_BASE_URL = "https://securepay.sslcommerz.com"
SESSION_PATH = "/gwprocess/v4/api.php"
VALIDATION_PATH = "/validator/api/validationserverAPI.php"
TRANSACTION_PATH = "/validator/api/merchantTransIDvalidationAPI.php"

# What a success notice must sign before we even ask the validation API.
SUCCESS_SIGNED_FIELDS = ("tran_id", "val_id", "amount", "currency", "status", "store_id", "risk_level")
# What a fail or cancel notice must sign before it may mark anything failed.
FAILURE_SIGNED_FIELDS = ("tran_id", "status", "store_id")


class GatewayError(Exception):
    """The gateway did not answer, or answered something unreadable: try again later, decide nothing."""


class SSLCommerzGateway(SSLCOMMERZ):
    def __init__(self, *, store_id: str, store_password: str, base_url: str, mode: str, timeout: float):
        base_url = base_url.rstrip("/")
        if mode == "live" and base_url != LIVE_BASE_URL:
            raise ImproperlyConfigured(f"SSLCOMMERZ_MODE=live must use {LIVE_BASE_URL}.")
        super().__init__({"store_id": store_id, "store_pass": store_password, "issandbox": mode != "live"})
        self.base_url = base_url
        self.createSessionUrl = base_url + SESSION_PATH
        self.validation_url = base_url + VALIDATION_PATH
        self.transaction_url = base_url + TRANSACTION_PATH
        self.timeout = timeout

    def __repr__(self):
        return f"<SSLCommerzGateway store={self.store_id} at {self.base_url}>"

    def call_api(self, method, url, payload):
        """Send one request; return the answer's JSON object or raise GatewayError."""
        where = {self.createSessionUrl: "session API", self.validation_url: "validation API"}.get(
            url, "transaction API")
        try:
            if method == "POST":
                response = requests.post(url, data=payload, timeout=self.timeout)
            elif method == "GET":
                response = requests.get(url, params=payload, timeout=self.timeout)
            else:
                raise GatewayError(f"unsupported method {method}")
            response.raise_for_status()
            answer = response.json()
        except ValueError:  # before RequestException: requests' JSONDecodeError is both
            raise GatewayError(f"{where}: the answer is not JSON") from None
        except requests.RequestException as exc:
            # The exception text holds the URL, and GET URLs hold the store password.
            raise GatewayError(f"{where}: no usable answer ({type(exc).__name__})") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"{where}: the answer is not a JSON object")
        return answer

    def signature_is_valid(self, data: Mapping[str, str], required: Iterable[str]) -> bool:
        """True when ``data`` is signed with our store password and the signature covers ``required``.

        Uses the library's ``hash_validate_ipn`` (md5); checks ``verify_sign_sha2`` as well when sent.
        """
        data = {key: str(value) for key, value in data.items()}
        signed = [key for key in data.get("verify_key", "").split(",") if key]
        if not signed or not set(required) <= set(signed) or any(key not in data for key in signed):
            return False
        if not self.hash_validate_ipn(data):
            return False
        if "verify_sign_sha2" in data:
            return data["verify_sign_sha2"] == sign(data, signed, self.store_pass)["verify_sign_sha2"]
        return True


def sign(data: Mapping[str, str], keys: Iterable[str], store_password: str) -> dict:
    """SSLCommerz's signature over ``keys`` of ``data``: verify_key, verify_sign (md5), verify_sign_sha2.

    The rule: take the signed fields plus ``store_passwd`` = md5(store password) (sha256 for
    the sha2 form), sort by key, join as ``key=value&…`` and hash the string.
    """
    keys = sorted(keys)

    def digest(hasher) -> str:
        fields = {key: str(data[key]) for key in keys}
        fields["store_passwd"] = hasher(store_password.encode()).hexdigest()
        joined = "&".join(f"{key}={fields[key]}" for key in sorted(fields))
        return hasher(joined.encode()).hexdigest()

    return {
        "verify_key": ",".join(keys),
        "verify_sign": digest(hashlib.md5),
        "verify_sign_sha2": digest(hashlib.sha256),
    }


def gateway() -> SSLCommerzGateway:
    """The client for the configured mode, store and host (read at call time)."""
    return SSLCommerzGateway(
        store_id=settings.SSLCOMMERZ_STORE_ID,
        store_password=settings.SSLCOMMERZ_STORE_PASSWORD,
        base_url=settings.SSLCOMMERZ_BASE_URL,
        mode=settings.SSLCOMMERZ_MODE,
        timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
    )
