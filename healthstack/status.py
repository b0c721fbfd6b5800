"""One status machine for every model with a ``status``: the only code that assigns it.

A model mixes in ``StatusMachine``, lists its moves in ``TRANSITIONS`` (status → the
statuses it may become), names its app's error in ``invalid_transition`` (a subclass of
``InvalidTransition`` below and of the app's own error, so views that show the app's
errors show this one too) and writes its history in ``record_status_change``, the hook
``transition_to`` calls once per move with who, from, to and why.

A move is made on a row read with ``locked(row)``: it re-reads the row with
``select_for_update()`` inside the current transaction and marks the fresh copy with that
transaction. ``transition_to`` refuses (``TransactionManagementError``) a copy that was not
read this way, or that was read in another transaction, so a move never runs on a stale
row that another request may be moving at the same time. The mark is the outermost
``atomic`` block of the connection: a cheap guard, checked on every move.

Rows are created with their first status (``objects.create(status=...)``); a model that
keeps a history from the start writes its first row with ``record_status(from_status="")``.
There is no bulk move: a set of rows (expired holds, say) is moved one locked row at a
time, so each gets its history row and its notifications. ``tests/test_status_machines.py``
fails on any other ``.status =`` or ``update(status=...)`` in the apps.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.transaction import TransactionManagementError


class InvalidTransition(Exception):
    """A row was asked to move to a status its current one does not lead to."""


def _transaction_mark(using: str):
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block or not connection.atomic_blocks:
        return None
    return connection.atomic_blocks[0]


def locked(instance: models.Model, queryset: models.QuerySet | None = None):
    """Re-read ``instance`` under a row lock in the current transaction; return the fresh row.

    ``queryset`` (default: the model's manager) may narrow the read (a hospital's rows) or
    join related rows; only the model's own row is locked. Raises the model's DoesNotExist
    when the queryset does not hold it and TransactionManagementError outside a transaction.
    """
    queryset = type(instance)._default_manager.all() if queryset is None else queryset
    using = queryset.db
    mark = _transaction_mark(using)
    if mark is None:
        raise TransactionManagementError("locked() must run inside transaction.atomic().")
    row = queryset.select_for_update(of=("self",)).get(pk=instance.pk)
    row._status_lock = mark
    return row


class StatusMachine:
    """Mixin for a model with ``status``: ``TRANSITIONS``, ``can_become`` and ``transition_to``."""

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}
    invalid_transition: ClassVar[type[InvalidTransition]] = InvalidTransition

    def can_become(self, status: str) -> bool:
        """May this row move from its current status to ``status``?"""
        return status in self.TRANSITIONS.get(self.status, ())

    def cannot_become_message(self, status: str) -> str:
        """The sentence shown when the move to ``status`` is refused (models may say it better)."""
        name = self._meta.verbose_name
        target = dict(self._meta.get_field("status").choices).get(status, status)
        return f"This {name} is {self.get_status_display().lower()}; it cannot become {str(target).lower()}."

    def check_can_become(self, status: str) -> None:
        """Raise the app's InvalidTransition unless the row may move to ``status`` (changes nothing)."""
        if not self.can_become(status):
            raise self.invalid_transition(self.cannot_become_message(status))

    def transition_to(self, status: str, *, by, reason: str = "", fields=(), **history):
        """Move this locked row to ``status``, save it with ``fields``, write one history row; return the row.

        ``by`` is the user who made the move (None for the system), ``reason`` why; ``history``
        holds what else the model's hook records. Raises the app's InvalidTransition (nothing
        changed) and TransactionManagementError for a row not read with ``locked()`` in this
        transaction.
        """
        self.check_locked()
        self.check_can_become(status)
        from_status = self.status
        self.status = status
        update_fields = ["status", *fields]
        if any(field.name == "updated_at" for field in self._meta.concrete_fields):
            update_fields.append("updated_at")
        self.save(update_fields=list(dict.fromkeys(update_fields)))
        self.record_status(from_status=from_status, by=by, reason=reason, **history)
        return self

    def record_status(self, *, from_status: str, by, reason: str = "", **history):
        """Write one history row from ``from_status`` to the current status (a creation, or a note)."""
        return self.record_status_change(from_status=from_status, to_status=self.status, by=by, reason=reason,
                                         **history)

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str, **history):
        """The model's hook: write and return one history row.

        By default the row goes into the model's ``status_changes`` (a ``StatusChange``
        subclass whose foreign key to the model has that related name), carrying the row's
        hospital when it has one. A model with another kind of history overrides this.
        """
        if not hasattr(self, "status_changes"):
            raise NotImplementedError(f"{type(self).__name__} must say where its status history goes.")
        tenant = {"hospital_id": self.hospital_id} if hasattr(self, "hospital_id") else {}
        return self.status_changes.create(from_status=from_status, to_status=to_status, by=by, reason=reason,
                                          **tenant, **history)

    def check_locked(self) -> None:
        """Raise TransactionManagementError unless this row was read with ``locked()`` in this transaction."""
        mark = getattr(self, "_status_lock", None)
        if mark is None or mark is not _transaction_mark(self._state.db or "default"):
            raise TransactionManagementError(
                f"{type(self).__name__}.transition_to() needs a row read with healthstack.status.locked() "
                "in the current transaction."
            )


class StatusChange(models.Model):
    """Base of every history row a ``record_status_change`` hook writes: who moved it, when, why.

    A concrete history adds the row it belongs to, its hospital and ``from_status`` /
    ``to_status`` with the machine's choices.
    """

    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"
