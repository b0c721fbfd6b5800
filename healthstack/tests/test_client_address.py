"""The client's address: REMOTE_ADDR, or what the trusted proxies wrote, never what the client claimed."""

import pytest
from django.test import RequestFactory

from healthstack.clientaddress import client_address


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (0, "203.0.113.5", "10.0.0.1"),
    (1, "", "10.0.0.1"),
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
    (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
    (2, "203.0.113.5", "203.0.113.5"),
    (1, "6.6.6.6, not-an-address", "10.0.0.1"),
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)
    assert client_address(request) == expected
