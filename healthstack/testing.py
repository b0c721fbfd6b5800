"""Test helpers shared by the apps' tests (imported only from tests).

``transition_matrix(Model)`` lists every ordered pair of a status machine's statuses with
whether ``Model.TRANSITIONS`` allows it; ``check_transition`` asserts what a user of that
machine sees for one pair. An app's test module parametrizes one test with both::

    @pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Appointment))
    def test_appointment_transition(from_status, to_status, allowed, make_appointment, doctor):
        check_transition(make_appointment(status=from_status), to_status, allowed, by=doctor,
                         history=lambda row: row.status_changes)
"""

import ast
import threading
from collections.abc import Callable

import pytest
from django.db import connections, transaction

from .status import locked


def transition_matrix(model) -> list:
    """pytest params ``(from_status, to_status, allowed)`` for every ordered pair of distinct statuses."""
    statuses = [value for value, _label in model._meta.get_field("status").choices]
    return [
        pytest.param(start, end, end in model.TRANSITIONS.get(start, ()), id=f"{start}->{end}")
        for start in statuses for end in statuses if start != end
    ]


def check_transition(row, to_status: str, allowed: bool, *, by=None, history: Callable | None = None) -> None:
    """Assert ``can_become`` and ``transition_to`` on a saved ``row`` agree with ``allowed``.

    An allowed move changes the stored status and writes exactly one history row (from, to,
    by, reason), read through ``history(row)`` (a queryset of the row's history); a forbidden
    one raises the model's InvalidTransition and changes and writes nothing. Pass
    ``history=None`` for a machine that keeps no history rows.
    """
    from_status = row.status
    before = list(history(row).values_list("pk", flat=True)) if history else []
    assert row.can_become(to_status) is allowed
    with transaction.atomic():
        fresh = locked(row)
        if allowed:
            fresh.transition_to(to_status, by=by, reason="Checked by the transition matrix.")
        else:
            with pytest.raises(type(row).invalid_transition):
                fresh.transition_to(to_status, by=by, reason="Checked by the transition matrix.")
    row.refresh_from_db()
    assert row.status == (to_status if allowed else from_status)
    if history is None:
        return
    written = list(history(row).exclude(pk__in=before))
    if not allowed:
        assert written == []
        return
    assert len(written) == 1
    entry = written[0]
    assert (entry.from_status, entry.to_status) == (from_status, to_status)
    assert getattr(entry, "by_id", None) == (by.pk if by is not None else None)
    assert "transition matrix" in (getattr(entry, "reason", None) or getattr(entry, "note", ""))


def in_threads(count: int, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``count`` threads released together; return ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", work(i))
        except Exception as error:  # every outcome is checked by the test
            results[i] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def attribute_stores(node: ast.AST, attributes) -> list[tuple[int, str]]:
    """``(line, attribute)`` where ``node`` (a statement of a parsed module) assigns one of ``attributes`` (``x.a = …``,
    ``x.a += …``, ``x.a: int = …``, in tuples too); [] for any other node. Tests that guard a field's
    one writer (a status, the stock counts) walk a module's tree with it."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    return [(part.lineno, part.attr) for target in targets for part in ast.walk(target)
            if isinstance(part, ast.Attribute) and part.attr in attributes and isinstance(part.ctx, ast.Store)]


def url_routes(patterns=None, prefix: str = ""):
    """``(route, URLPattern)`` for every view of the site's URLconf (or of ``patterns``), its route written out
    in full ("api/v1/doctors/<int:pk>/"). The tests that walk every page or endpoint start here."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry
