import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from records import services
from records.models import AccessLog, AppendOnlyError

pytestmark = pytest.mark.django_db


def _append(n, *, accessor, patient, hospital):
    return [
        services.append_access_log(accessor=accessor, hospital=hospital, role="doctor", patient=patient,
                                   object_type="record", object_id=None, label=f"Health record {i}")
        for i in range(n)
    ]


def test_rows_chain_one_to_the_next(doctor, patient, hospital):
    first, second, third = _append(3, accessor=doctor, patient=patient, hospital=hospital)
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert second.prev_hash == first.row_hash and third.prev_hash == second.row_hash
    assert services.verify_access_log() == (3, None)


def test_model_api_cannot_change_or_remove_rows(doctor, patient, hospital):
    (row,) = _append(1, accessor=doctor, patient=patient, hospital=hospital)
    row.label = "something else"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(label="x")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()


def test_verify_command_passes_on_an_intact_log(doctor, patient, hospital, capsys):
    _append(2, accessor=doctor, patient=patient, hospital=hospital)
    call_command("verify_access_log")
    assert "2 rows" in capsys.readouterr().out


def test_verify_command_names_an_edited_row(doctor, patient, hospital):
    rows = _append(4, accessor=doctor, patient=patient, hospital=hospital)
    table = AccessLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET label = %s WHERE id = %s", ["Nothing to see", rows[2].pk])
    with pytest.raises(CommandError, match=f"row id {rows[2].pk}.*changed"):
        call_command("verify_access_log")


def test_verify_command_names_the_row_after_a_deleted_one(doctor, patient, hospital):
    rows = _append(4, accessor=doctor, patient=patient, hospital=hospital)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AccessLog._meta.db_table} WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError, match=f"row id {rows[2].pk}"):
        call_command("verify_access_log")


def test_verify_command_notices_the_last_row_removed(doctor, patient, hospital):
    rows = _append(3, accessor=doctor, patient=patient, hospital=hospital)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AccessLog._meta.db_table} WHERE id = %s", [rows[-1].pk])
    with pytest.raises(CommandError, match="missing at the end"):
        call_command("verify_access_log")


def test_verify_command_notices_a_rehashed_forgery(doctor, patient, hospital):
    """Editing a row and recomputing its own hash still breaks the link to the next row."""
    rows = _append(3, accessor=doctor, patient=patient, hospital=hospital)
    forged = AccessLog.objects.get(pk=rows[0].pk)
    forged.label = "Forged"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLog._meta.db_table} SET label = %s, row_hash = %s WHERE id = %s",
                       ["Forged", forged.compute_hash(), forged.pk])
    with pytest.raises(CommandError, match=f"row id {rows[1].pk}.*does not follow"):
        call_command("verify_access_log")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_correctly(doctor, patient, hospital):
    errors = []

    def write():
        try:
            _append(5, accessor=doctor, patient=patient, hospital=hospital)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert services.verify_access_log() == (20, None)
