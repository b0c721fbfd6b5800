"""The API schema tells the truth: schemathesis runs the whole /api/v1/ against /api/schema/.

In-process against the WSGI application, as anonymous, a patient and a receptionist (tokens
from the API's own log-in), with valid and invalid generated requests, a bounded number of
examples per operation and a fixed seed. Checks: no 5xx, every status code documented, every
response body matching its documented schema.
"""

import re
import time
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from healthstack.api_schema import TIME_PATTERN
from config.wsgi import application

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 25


@contextmanager
def one_connection_for_every_request():
    """Requests through the raw WSGI app would close the test's database connection after each one
    (request_finished); keep it open, as Django's test client does, so the test transaction holds."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def run_schemathesis(schema, world, headers) -> tuple[int, int, list[str]]:
    """(operations, examples, failures) of one bounded, seeded run over every operation."""
    failures, examples, operations = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        real = {p.name: world.value(p.name, operation.path) for p in operation.path_parameters}
        strategies = []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies.append(operation.as_strategy(generation_mode=mode))
            if real:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))

        @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(st.one_of(strategies))
        def call(case):
            nonlocal examples
            examples += 1
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except BaseException as error:  # FailureGroup is a BaseExceptionGroup: collect, report all at the end
                found = getattr(error, "exceptions", [error])
                failures.extend(f"{operation.label}: {type(f).__name__}: {f}"[:600] for f in found)

        call()
    return operations, examples, failures


@pytest.mark.parametrize("who", ["anonymous", "patient", "receptionist"])
def test_schemathesis_finds_no_server_error_undocumented_status_or_schema_violation(who, api_world, api_tokens,
                                                                                    settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    headers = {"Authorization": f"Token {api_tokens[who]}"} if api_tokens[who] else {}
    started = time.monotonic()
    with one_connection_for_every_request():
        # Signing out mid-run would turn every later request into a 401.
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).exclude(
            path_regex="logout")
        operations, examples, failures = run_schemathesis(schema, api_world, headers)
    print(f"schemathesis as {who}: {operations} operations, {examples} examples, "
          f"{time.monotonic() - started:.1f} s")
    assert operations >= 21
    assert not failures, "\n".join(sorted(set(failures)))


def test_schema_documents_times_as_clock_times_the_api_sends(api_world, patient):
    schema = APIClient().get("/api/schema/?format=json").json()
    start_time = schema["components"]["schemas"]["Appointment"]["properties"]["start_time"]
    assert "format" not in start_time and start_time["pattern"] == TIME_PATTERN

    client = APIClient()
    client.force_authenticate(patient)
    appointment = client.get("/api/v1/me/appointments/").json()["results"][0]
    assert re.match(TIME_PATTERN, appointment["start_time"]) and appointment["start_time"] == "09:00:00"


def test_schema_says_a_non_patient_has_no_patient_profile(receptionist):
    schema = APIClient().get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["User"]["properties"]["patient_profile"]["nullable"] is True
    client = APIClient()
    client.force_authenticate(receptionist)
    assert client.get("/api/v1/me/profile/").json()["patient_profile"] is None


def test_schema_documents_the_errors_of_every_operation():
    schema = APIClient().get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"400", "403"} <= codes, (method, path)
    login = schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]
    assert login["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    profile_update = schema["paths"]["/api/v1/me/profile/"]["patch"]["requestBody"]["content"]["application/json"]
    assert profile_update["schema"] == {"$ref": "#/components/schemas/PatchedProfileUpdateRequest"}
