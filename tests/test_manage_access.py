"""Every /manage/<hospital>/ URL in the project keeps outsiders out.

The URL list is read from the resolver, so pages added by any app are walked too:
a visitor is sent to log in; a patient and the staff of another hospital get a 404
(the staff area does not confirm that the hospital exists).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hospitals.tests.factories import MembershipFactory


def _manage_paths(prefix="manage/<slug:hospital_slug>/"):
    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield route

    for route in walk(get_resolver().url_patterns):
        if route.startswith(prefix):
            path = route.replace("<slug:hospital_slug>", "{slug}")
            path = re.sub(r"<int:\w+>", "1", path)
            path = re.sub(r"<(?:str|slug):\w+>", "x", path)
            path = re.sub(r"<\w+>", "x", path)
            yield "/" + path


MANAGE_PATHS = sorted(set(_manage_paths()))
API_MANAGE_PATHS = sorted(set(_manage_paths("api/v1/manage/<slug:hospital_slug>/")))


def test_manage_paths_are_discovered():
    assert "/manage/{slug}/" in MANAGE_PATHS
    assert "/manage/{slug}/doctors/applications/" in MANAGE_PATHS


@pytest.mark.django_db
@pytest.mark.parametrize("path", MANAGE_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_manage_url_outsiders(path, method, client, client_for, hospital, other_hospital, patient):
    url = path.format(slug=hospital.slug)

    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    assert getattr(client_for(patient), method)(url).status_code == 404

    outsider = MembershipFactory(hospital=other_hospital, role="admin").user
    assert getattr(client_for(outsider), method)(url).status_code == 404


@pytest.mark.django_db
def test_manage_unknown_hospital_is_404(client_for, hospital_admin):
    assert client_for(hospital_admin).get("/manage/no-such-hospital/").status_code == 404


def test_api_manage_paths_are_discovered():
    assert "/api/v1/manage/{slug}/appointments/" in API_MANAGE_PATHS


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_MANAGE_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_api_manage_url_outsiders(path, method, client, client_for, hospital, other_hospital, patient):
    url = path.format(slug=hospital.slug)

    anonymous = getattr(client, method)(url)
    assert anonymous.status_code in (401, 403) and "detail" in anonymous.json()

    as_patient = getattr(client_for(patient), method)(url)
    assert as_patient.status_code == 404 and as_patient["Content-Type"] == "application/json"

    outsider = MembershipFactory(hospital=other_hospital, role="admin").user
    assert getattr(client_for(outsider), method)(url).status_code == 404
