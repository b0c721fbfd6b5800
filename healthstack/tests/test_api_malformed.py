"""Malformed input to the JSON API is a 4xx JSON answer naming what was wrong, never a 500.

The generic tests walk the URLconf for every /api/v1/ endpoint (placeholders filled with real
objects), so an endpoint added later is covered without editing this file.
"""

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from healthstack.testing import url_routes

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
BODY_METHODS = ("post", "put", "patch")
NON_OBJECT_BODIES = ["[]", '["x"]', '[{"reason": "x"}]', '"text"', "5", "1.5", "null", "true"]
WRONG_VALUES = [["x"], {"a": 1}, True]


def api_routes():
    """(route, view class) of every /api/v1/ endpoint in the URLconf, e.g. ("api/v1/doctors/<int:pk>/", ...)."""

    # Signing out mid-walk would turn every later request into a 401.
    return [(route, view.callback.cls) for route, view in url_routes()
            if route.startswith(API_PREFIX) and "logout" not in route]


def assert_client_error(response, what):
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), what
    assert response.json(), what


def test_the_walk_finds_every_api_endpoint():
    routes = {route for route, _ in api_routes()}
    assert "api/v1/me/profile/" in routes and "api/v1/auth/register/" in routes
    assert len(routes) >= 19


def api_operations():
    """{(path template, method): operation} from the API schema, e.g. ("/api/v1/doctors/{id}/", "get")."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            fields = {}
            if json_body:
                ref = json_body["schema"]["$ref"].rsplit("/", 1)[-1]
                fields = {name: field for name, field in components[ref]["properties"].items()
                          if not field.get("readOnly")}
            operations[(path, method)] = {"takes_body": "requestBody" in operation, "fields": fields}
    return operations


def test_non_object_json_bodies_are_refused_everywhere(api_world, api_clients):
    operations = api_operations()
    sent = 0
    for route, view in api_routes():
        path = api_world.fill(route)
        for method in BODY_METHODS:
            if not hasattr(view, method):
                continue
            # An endpoint the schema misses is held to the strict rule: it must refuse these bodies.
            takes_body = operations.get((as_template(route), method), {"takes_body": True})["takes_body"]
            for who, client in api_clients.items():
                for body in NON_OBJECT_BODIES:
                    response = client.generic(method.upper(), path, body, content_type="application/json")
                    what = f"{who} {method.upper()} {path} {body}"
                    assert response.status_code < 500, what
                    if takes_body:
                        assert_client_error(response, what)
                    if response.status_code == 400:
                        assert "detail" in response.json() or "non_field_errors" in response.json(), what
                    sent += 1
    assert sent > 100


def as_template(route):
    """"api/v1/doctors/<int:pk>/" as the schema writes it: "/api/v1/doctors/{id}/"."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m.group(1) == "pk" else f"{{{m.group(1)}}}", route)


def test_wrong_typed_fields_are_field_errors_everywhere(api_world, api_clients):
    operations = api_operations()
    checked = set()
    for route, view in api_routes():
        path = api_world.fill(route)
        for method in BODY_METHODS:
            if not hasattr(view, method):
                continue
            for name, field in operations.get((as_template(route), method), {"fields": {}})["fields"].items():
                wrong = [*WRONG_VALUES, *(["abc"] if field.get("type") == "integer" or field.get("format") else [])]
                if field.get("type") == "boolean":  # true is a yes/no field's right answer; a word is not
                    wrong = [value for value in wrong if value is not True] + ["abc"]
                for who, client in api_clients.items():
                    for value in wrong:
                        body = json.dumps({name: value})
                        response = client.generic(method.upper(), path, body, content_type="application/json")
                        what = f"{who} {method.upper()} {path} {body}"
                        assert_client_error(response, what)
                        if response.status_code == 400:
                            assert name in response.json(), what
                checked.add((route, name))
    assert ("api/v1/me/profile/", "full_name") in checked
    assert ("api/v1/auth/register/", "date_of_birth") in checked
    assert len(checked) >= 20


@pytest.mark.parametrize("body", ["[]", '[{"full_name": "A", "email": "a@example.test"}]', '"text"', "5", "null"])
def test_register_with_a_non_object_body_is_a_400(body):
    response = APIClient().post("/api/v1/auth/register/", body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]
    assert not User.objects.exists()


@pytest.mark.parametrize("body", ["[]", '["full_name"]', '"Rina"', "5"])
def test_profile_update_with_a_non_object_body_is_a_400(patient, body):
    client = APIClient()
    client.force_authenticate(patient)
    response = client.patch("/api/v1/me/profile/", body, content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.parametrize("field, value", [
    ("full_name", ["x"]), ("full_name", {"a": 1}), ("phone", ["+8801712345678"]), ("date_of_birth", {"a": 1}),
    ("date_of_birth", ["2000-01-01"]), ("blood_group", ["B+"]), ("address", True),
])
def test_profile_update_with_a_wrong_typed_field_is_a_field_error_and_stores_nothing(patient, field, value):
    client = APIClient()
    client.force_authenticate(patient)
    response = client.patch("/api/v1/me/profile/", {field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    patient.refresh_from_db()
    assert patient.full_name == "Ayesha Rahman"


def test_register_with_a_list_for_a_name_is_a_field_error():
    response = APIClient().post("/api/v1/auth/register/", {"full_name": ["Rina"], "email": "rina@example.test",
                                                            "password": "Hilsa-river-2026"}, format="json")
    assert response.status_code == 400 and "full_name" in response.json()
    assert not User.objects.exists()
