"""The address of the client a request came from: one answer for the login lockout and the rate limits.

Behind reverse proxies every request arrives from the nearest proxy, so ``REMOTE_ADDR`` is the
same for everyone. Each proxy appends the address it received the request from to
``X-Forwarded-For``; with ``TRUSTED_PROXY_COUNT`` proxies in front of the site, the client is the
entry that many places from the right. Entries further left were written by the client and are
never believed, so a forged header cannot choose the address. With no trusted proxy (the
default) the header is ignored.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's IP address (``REMOTE_ADDR`` unless trusted proxies forwarded the request)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if proxies <= 0 or not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped the outer ones; the leftmost is the nearest we know.
    return _address(forwarded[-min(proxies, len(forwarded))]) or remote
