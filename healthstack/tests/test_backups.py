"""`manage.py backup` and `manage.py restore`: a consistent copy taken while serving comes back whole."""

import io
import json
import re
import sqlite3
import tarfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from healthstack.backups import BackupError, create_backup, restore_backup
from tests.harness import DemoFiles, LiveServer, database_url, log_in, manage_py

DEMO_PASSWORD = "HealthStack-demo-2026"
INSTANT = datetime(2026, 11, 29, 23, 10, 5, tzinfo=UTC)


def _database(path: Path, *notes: str) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT)")
    connection.execute("INSERT INTO django_migrations (app) VALUES ('records')")
    connection.execute("CREATE TABLE note (text TEXT)")
    connection.executemany("INSERT INTO note VALUES (?)", [(note,) for note in notes])
    connection.commit()
    connection.close()
    return path


def _notes(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT text FROM note ORDER BY rowid")]
    finally:
        connection.close()


def _site(root: Path, *notes: str) -> tuple[Path, dict[str, Path]]:
    """A database and the two file folders, as a small HealthStack site has them."""
    root.mkdir(parents=True, exist_ok=True)
    folders = {"media": root / "media", "private_media": root / "private_media"}
    return _database(root / "db.sqlite3", *notes), folders


def _backup_of_a_site(tmp_path: Path):
    database, folders = _site(tmp_path / "site", "Paracetamol 500 mg", "Follow up in a week")
    (folders["media"] / "photos").mkdir(parents=True)
    (folders["media"] / "photos" / "ayesha.png").write_bytes(b"photo")
    (folders["private_media"] / "records" / "2026").mkdir(parents=True)
    (folders["private_media"] / "records" / "2026" / "x-ray.pdf").write_bytes(b"%PDF x-ray")
    (folders["private_media"] / "certificates").mkdir()
    (folders["private_media"] / "certificates" / "mbbs.pdf").write_bytes(b"%PDF mbbs")
    return create_backup(database=database, folders=folders, output_dir=tmp_path / "backups", now=INSTANT)


def test_backup_is_named_from_the_clock_and_carries_a_manifest(tmp_path):
    backup = _backup_of_a_site(tmp_path)

    assert backup.path == tmp_path / "backups" / "healthstack-2026-11-29T231005Z.tar.gz"
    assert list((tmp_path / "backups").iterdir()) == [backup.path]
    with tarfile.open(backup.path) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("manifest.json"))
        archive.extract("database.sqlite3", tmp_path / "unpacked")
    assert {"database.sqlite3", "media/photos/ayesha.png", "private_media/records/2026/x-ray.pdf",
            "private_media/certificates/mbbs.pdf"} <= names
    assert manifest == backup.manifest
    assert manifest["created_at"] == "2026-11-29T23:10:05+00:00"
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["files"] == {"media": 1, "private_media": 2}
    copy = tmp_path / "unpacked" / "database.sqlite3"
    import hashlib

    assert manifest["database"]["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    # The copy alone is the whole database: no WAL file is needed beside it.
    assert _notes(copy) == ["Paracetamol 500 mg", "Follow up in a week"]


def test_restore_brings_the_database_and_files_into_a_fresh_folder(tmp_path):
    backup = _backup_of_a_site(tmp_path)
    fresh = tmp_path / "fresh"
    folders = {"media": fresh / "media", "private_media": fresh / "private_media"}

    manifest = restore_backup(archive=backup.path, database=fresh / "db.sqlite3", folders=folders)

    assert manifest == backup.manifest
    assert _notes(fresh / "db.sqlite3") == ["Paracetamol 500 mg", "Follow up in a week"]
    assert (folders["private_media"] / "records" / "2026" / "x-ray.pdf").read_bytes() == b"%PDF x-ray"
    assert (folders["media"] / "photos" / "ayesha.png").read_bytes() == b"photo"
    assert sorted(path.name for path in fresh.iterdir()) == ["db.sqlite3", "media", "private_media"]


def test_restore_over_a_database_that_migrate_only_prepared_needs_no_force(tmp_path):
    backup = _backup_of_a_site(tmp_path)
    database, folders = _site(tmp_path / "migrated")

    restore_backup(archive=backup.path, database=database, folders=folders)

    assert _notes(database) == ["Paracetamol 500 mg", "Follow up in a week"]


def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path):
    backup = _backup_of_a_site(tmp_path)
    database, folders = _site(tmp_path / "busy", "written after the backup")

    with pytest.raises(BackupError, match="already holds data.*--force"):
        restore_backup(archive=backup.path, database=database, folders=folders)
    assert _notes(database) == ["written after the backup"]
    assert not folders["private_media"].exists()

    restore_backup(archive=backup.path, database=database, folders=folders, force=True)
    assert _notes(database) == ["Paracetamol 500 mg", "Follow up in a week"]


def _rewritten(backup, tmp_path: Path, change) -> Path:
    """A copy of ``backup`` with ``change(name, data)`` applied to each member's bytes."""
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(backup.path) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None
            name, data = change(member.name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data) if data is not None else 0
            info.type = member.type
            target.addfile(info, io.BytesIO(data) if data is not None else None)
    return damaged


def test_restore_refuses_a_database_that_does_not_match_the_manifest_checksum(tmp_path):
    backup = _backup_of_a_site(tmp_path)

    def swap_database(name, data):
        if name == "database.sqlite3":
            other = _database(tmp_path / "other.sqlite3", "someone else's notes")
            return name, other.read_bytes()
        return name, data

    damaged = _rewritten(backup, tmp_path, swap_database)
    fresh = tmp_path / "fresh"

    with pytest.raises(BackupError, match="checksum"):
        restore_backup(archive=damaged, database=fresh / "db.sqlite3",
                       folders={"media": fresh / "media", "private_media": fresh / "private_media"})
    assert not (fresh / "db.sqlite3").exists()


def test_restore_refuses_a_member_outside_the_backup_layout(tmp_path):
    backup = _backup_of_a_site(tmp_path)
    damaged = _rewritten(backup, tmp_path, lambda name, data: (
        "../escaped.txt" if name == "media/photos/ayesha.png" else name, data))
    fresh = tmp_path / "fresh"

    with pytest.raises(BackupError, match="not part of a HealthStack backup"):
        restore_backup(archive=damaged, database=fresh / "db.sqlite3",
                       folders={"media": fresh / "media", "private_media": fresh / "private_media"})
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_backup_commands_on_postgresql_point_at_its_own_tools(command, tool, monkeypatch, tmp_path):
    connection = connections["default"]
    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setattr(connection, "display_name", "PostgreSQL")
    arguments = [str(tmp_path / "some.tar.gz")] if command == "restore" else ["--output", str(tmp_path)]

    with pytest.raises(CommandError, match=f"PostgreSQL.*{tool}"):
        call_command(command, *arguments)
    assert list(tmp_path.iterdir()) == []


def _record_links(page: str) -> tuple[list[str], list[str]]:
    prescriptions = sorted(set(re.findall(r'href="(/me/records/prescriptions/\d+/)"', page)))
    documents = sorted(set(re.findall(r'href="(/me/records/documents/\d+/)"', page)))
    return prescriptions, documents


def _serve(demo: DemoFiles, tmp_path: Path, name: str) -> LiveServer:
    return LiveServer(
        database_url=database_url({"ENGINE": "sqlite3", "NAME": demo.database}), media_root=demo.media_root,
        private_media_root=demo.private_media_root, mail_dir=tmp_path / f"{name}-mail",
        log_path=tmp_path / f"{name}.log", secret_key="backup-test-secret-key-" + "x" * 30,
        extra_env={"HUEY_DATABASE": str(demo.root / "tasks.sqlite3")},
    ).start()


def test_backup_taken_while_serving_restores_where_the_patient_sees_their_records(demo_files, tmp_path):
    site = demo_files.copy_to(tmp_path / "site")
    email = site.patient_with_records()
    server = _serve(site, tmp_path, "site")
    try:
        patient = log_in(server.url, email, DEMO_PASSWORD)
        prescriptions, documents = _record_links(patient.get(server.url + "/me/records/", timeout=10).text)
        assert prescriptions and documents
        document = patient.get(server.url + documents[0], timeout=10)
        assert document.status_code == 200 and document.content

        # The patient keeps reading (each opened prescription writes an access-log row) during the backup.
        answers, done = [], threading.Event()

        def keep_reading():
            while not done.is_set():
                answers.append(patient.get(server.url + prescriptions[0], timeout=20).status_code)

        reader = threading.Thread(target=keep_reading)
        reader.start()
        try:
            manage_py("backup", "--output", str(tmp_path / "backups"), env=site.env())
        finally:
            done.set()
            reader.join()
        assert answers and set(answers) == {200}
    finally:
        server.stop()

    [archive] = list((tmp_path / "backups").glob("healthstack-*.tar.gz"))
    fresh = DemoFiles(tmp_path / "fresh-checkout")
    fresh.root.mkdir()
    manage_py("restore", str(archive), env=fresh.env())
    with pytest.raises(RuntimeError, match="already holds data"):
        manage_py("restore", str(archive), env=fresh.env())

    restored = _serve(fresh, tmp_path, "restored")
    try:
        patient = log_in(restored.url, email, DEMO_PASSWORD)
        page = patient.get(restored.url + "/me/records/", timeout=10).text
        assert _record_links(page) == (prescriptions, documents)
        assert patient.get(restored.url + prescriptions[0], timeout=10).status_code == 200
        again = patient.get(restored.url + documents[0], timeout=10)
        assert again.status_code == 200 and again.content == document.content
    finally:
        restored.stop()
