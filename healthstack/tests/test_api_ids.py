"""An id or number no row can have is a 400 naming the field, or a 404 in a path: never a 500.

Every id column is a signed 64-bit integer; 2**63 and beyond overflowed SQLite's driver when a
body's id reached the database. The generic tests walk the schema and the URLconf, so an
endpoint added later is covered without editing this file.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from healthstack.lookups import MAX_ID, parse_id
from healthstack.testing import url_routes

pytestmark = pytest.mark.django_db

TOO_BIG = [2**63, 2**64]


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _body_cases(world):
    """(who, path, body with a ``{id}`` hole, field named in the answer) for every id a body carries."""
    slug = world.value("slug", "")
    desk_order = f"/api/v1/manage/{slug}/pharmacy/orders/{world.ids['medicine-orders']}/ready/"
    return [
        ("patient", "/api/v1/me/lab-orders/", {"hospital": slug, "tests": ["{id}"]}, "tests"),
        ("patient", "/api/v1/me/lab-orders/", {"hospital": slug, "tests": [1], "prescription": "{id}"},
         "prescription"),
        ("patient", "/api/v1/me/appointments/",
         {"membership": "{id}", "date": "2030-01-07", "start_time": "10:00", "reason": "Fever"}, "membership"),
        ("patient", "/api/v1/me/medicine-orders/", {"hospital": slug, "items": [{"medicine": "{id}", "quantity": 1}]},
         "items"),
        ("patient", "/api/v1/me/medicine-orders/",
         {"hospital": slug, "items": [{"medicine": 1, "quantity": 1}], "prescription": "{id}"}, "prescription"),
        ("admin", desk_order, {"dispensed": [{"line": "{id}", "quantity": 1}]}, "dispensed"),
    ]


def _filled(body, value):
    if isinstance(body, dict):
        return {key: _filled(item, value) for key, item in body.items()}
    if isinstance(body, list):
        return [_filled(item, value) for item in body]
    return value if body == "{id}" else body


def _check_body_ids(world, users):
    cases = _body_cases(world)
    for who, path, body, field in cases:
        for value in TOO_BIG:
            sent = _filled(body, value)
            response = _client(users[who]).post(path, sent, format="json")
            what = f"{who} POST {path} {sent}"
            assert response.status_code == 400, f"{what}: {response.status_code} {response.content[:300]!r}"
            assert field in response.json(), f"{what}: {response.json()}"
    return len(cases)


def test_ids_too_big_for_the_database_in_a_body_are_field_errors(api_world, patient, hospital_admin):
    assert _check_body_ids(api_world, {"patient": patient, "admin": hospital_admin}) == 6


@pytest.mark.postgres
def test_ids_too_big_for_the_database_in_a_body_are_field_errors_on_postgresql(api_world, patient, hospital_admin):
    assert _check_body_ids(api_world, {"patient": patient, "admin": hospital_admin}) == 6


def _integers(schema, components, where, seen=()):
    """(where, schema) of every integer a request schema takes, through refs, arrays and nested objects."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        yield from _integers(components[name], components, f"{where}", (*seen, name))
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from _integers(part, components, where, seen)
    if schema.get("type") == "integer":
        yield where, schema
    if "items" in schema:
        yield from _integers(schema["items"], components, f"{where}[]", seen)
    for name, field in schema.get("properties", {}).items():
        if not field.get("readOnly"):
            yield from _integers(field, components, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _integers(schema["additionalProperties"], components, f"{where}.*", seen)


def test_every_integer_the_api_takes_has_its_bounds_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                # A page number names no row: past the last page is a 404 from the paginator.
                if parameter["in"] in ("path", "query") and parameter["name"] != "page":
                    found.update(_integers(parameter["schema"], components, f"{method} {path} {{{parameter['name']}}}"))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                found.update(_integers(content["schema"], components, f"{method} {path} body"))

    unbounded = [where for where, field in found.items()
                 if "minimum" not in field or not field.get("maximum", MAX_ID + 1) <= MAX_ID]
    assert unbounded == []
    assert "post /api/v1/me/lab-orders/ body.tests[]" in found
    assert "get /api/v1/doctors/{id}/ {id}" in found
    assert found["post /api/v1/me/appointments/ body.membership"]["maximum"] == MAX_ID


def _routes_with_ids():
    """Every route of the site (pages and API) with an ``<int:...>`` in its path."""
    return [route for route, _view in url_routes() if "<int:" in route]


def _check_paths(world, users, routes, values):
    not_found = 0
    for route in routes:
        for value in values:
            path = "/" + re.sub(r"<int:\w+>", str(value), route)
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world.slugs.get(m.group(1), "x")), path)
            for who, user in users.items():
                client = APIClient()
                client.force_login(user)
                for method in ("get", "post"):
                    response = getattr(client, method)(path)
                    # 403: a role this path is not for, refused before any lookup.
                    assert response.status_code in (403, 404, 405), \
                        f"{who} {method.upper()} {path}: {response.status_code}"
                    not_found += response.status_code == 404
    return not_found


def test_ids_too_big_for_the_database_in_a_path_are_404_everywhere(api_world, patient, doctor, hospital_admin):
    routes = _routes_with_ids()
    assert len(routes) > 80
    api = [route for route in routes if route.startswith("api/")]
    pages = [route for route in routes if not route.startswith("api/")]
    users = {"patient": patient, "doctor": doctor, "admin": hospital_admin}

    assert _check_paths(api_world, users, api, TOO_BIG) > 100
    assert _check_paths(api_world, users, pages, [2**64]) > 100


@pytest.mark.postgres
def test_ids_too_big_for_the_database_in_a_path_are_404_on_postgresql(api_world, patient, hospital_admin):
    routes = ["api/v1/me/lab-orders/<int:pk>/cancel/", "api/v1/me/appointments/<int:pk>/",
              "api/v1/manage/<slug:hospital_slug>/pharmacy/orders/<int:pk>/ready/",
              "manage/<slug:hospital_slug>/lab/tests/<int:pk>/"]
    assert _check_paths(api_world, {"patient": patient, "admin": hospital_admin}, routes, TOO_BIG) >= 16


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (str(2**64), None), ("0", None), ("-3", None),
    ("abc", None), ("", None),
])
def test_an_id_read_from_text_is_at_most_the_largest_id_column(text, expected):
    assert parse_id(text) == expected
