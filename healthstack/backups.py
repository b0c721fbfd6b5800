"""Backups of the default SQLite database and the uploaded files, and restoring one.

A backup is one dated ``.tar.gz``: ``database.sqlite3`` (a consistent copy taken with SQLite's
online backup API, so the site keeps serving meanwhile), ``media/`` (photos, logos),
``private_media/`` (certificates, medical documents) and ``manifest.json`` (when, which engine,
how many files, the copy's sha256). PostgreSQL has its own tools (pg_dump, pg_restore).
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
# Rows `migrate` writes into an empty database: a database holding only these holds no data.
MIGRATE_OWN_TABLES = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}


class BackupError(Exception):
    """Why a backup or a restore was not done, in words for the operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict


def backup_name(now: datetime) -> str:
    """``healthstack-2026-11-29T231005Z.tar.gz``: the UTC instant, so names sort by age."""
    return f"healthstack-{now.astimezone(UTC):%Y-%m-%dT%H%M%SZ}.tar.gz"


def not_sqlite_message(vendor: str) -> str:
    return _(
        "The database is %(vendor)s, not SQLite: back it up with its own tools, e.g. "
        "`pg_dump -Fc` (and `pg_restore --clean` to bring it back), and copy MEDIA_ROOT and "
        "PRIVATE_MEDIA_ROOT beside the dump."
    ) % {"vendor": vendor}


def create_backup(*, database: Path, folders: dict[str, Path], output_dir: Path, now: datetime) -> Backup:
    """Write ``output_dir/healthstack-<UTC instant>.tar.gz`` and return it with its manifest.

    ``folders`` maps a name in the archive (``media``, ``private_media``) to the folder to copy.
    The database is copied with SQLite's backup API (readers and writers go on meanwhile), then
    checked (``PRAGMA quick_check``). The archive appears under its name only once complete.
    Raises BackupError if the database is missing or damaged, or the archive already exists.
    """
    database = Path(database)
    if not database.is_file():
        raise BackupError(_("There is no database at %(path)s.") % {"path": database})
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / backup_name(now)
    if path.exists():
        raise BackupError(_("%(path)s already exists.") % {"path": path})
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        copy = Path(work) / DATABASE
        _copy_database(database, copy, self_contained=True)
        files = {name: _files_under(Path(folder)) for name, folder in folders.items()}
        manifest = {
            "format": FORMAT,
            "created_at": now.astimezone(UTC).isoformat(),
            "database": {"engine": "sqlite", "file": DATABASE, "bytes": copy.stat().st_size,
                         "sha256": _sha256(copy)},
            "files": {},
        }
        partial = Path(work) / "partial.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(copy, arcname=DATABASE)
            for name, folder in folders.items():
                manifest["files"][name] = 0
                for relative in files[name]:
                    try:
                        archive.add(Path(folder) / relative, arcname=f"{name}/{relative.as_posix()}")
                    except FileNotFoundError:
                        continue  # deleted while the backup ran
                    manifest["files"][name] += 1
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode(), now=now)
        os.replace(partial, path)
    return Backup(path=path, manifest=manifest)


def restore_backup(*, archive: Path, database: Path, folders: dict[str, Path], force: bool = False) -> dict:
    """Bring ``archive`` back: the database into ``database``, the files into ``folders``; return the manifest.

    Refuses (BackupError) a database that already holds data unless ``force``, an archive whose
    database does not match the manifest's sha256 or whose file counts differ, and any member
    outside the backup's layout. Files are copied over what is there; nothing else is deleted.
    Nothing is written before every check has passed.
    """
    archive, database = Path(archive), Path(database)
    if not archive.is_file():
        raise BackupError(_("There is no backup at %(path)s.") % {"path": archive})
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=database.parent, prefix=".restore-") as work:
        work = Path(work)
        _unpack(archive, work, allowed={MANIFEST, DATABASE, *folders})
        try:
            manifest = json.loads((work / MANIFEST).read_text())
            expected_sha256 = manifest["database"]["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BackupError(_("%(path)s has no readable manifest.") % {"path": archive}) from error
        if manifest.get("format") != FORMAT:
            raise BackupError(_("%(path)s is in a format this version cannot read.") % {"path": archive})
        copy = work / DATABASE
        if not copy.is_file() or _sha256(copy) != expected_sha256:
            raise BackupError(_("The database in %(path)s does not match its manifest's checksum: "
                                "the archive is damaged.") % {"path": archive})
        for name in folders:
            found = len(_files_under(work / name))
            if found != manifest.get("files", {}).get(name, 0):
                raise BackupError(_("%(path)s should hold %(expected)s files in %(folder)s/ but holds "
                                    "%(found)s: the archive is damaged.")
                                  % {"path": archive, "expected": manifest.get("files", {}).get(name, 0),
                                     "found": found, "folder": name})
        if not force and holds_data(database):
            raise BackupError(_("The database at %(path)s already holds data. Restoring would replace it: "
                                "run again with --force to do so.") % {"path": database})
        _copy_database(copy, database)
        for name, folder in folders.items():
            if (work / name).is_dir():
                shutil.copytree(work / name, folder, dirs_exist_ok=True)
    return manifest


def holds_data(database: Path) -> bool:
    """Whether the SQLite file at ``database`` has a row in a table other than those `migrate` fills."""
    if not Path(database).is_file() or Path(database).stat().st_size == 0:
        return False
    connection = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(
            connection.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
            for table in tables if table not in MIGRATE_OWN_TABLES
        )
    finally:
        connection.close()


def _copy_database(source: Path, target: Path, *, self_contained: bool = False) -> None:
    """Copy one SQLite database into another through the backup API, then check the copy.

    ``self_contained``: the copy leaves WAL mode, so the file alone is the whole database.
    """
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
        if self_contained:
            writer.execute("PRAGMA journal_mode=DELETE")
        if writer.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(_("The copy of %(path)s failed its integrity check.") % {"path": source})
    except sqlite3.DatabaseError as error:
        raise BackupError(_("%(path)s could not be copied: %(error)s") % {"path": source, "error": error}) from error
    finally:
        writer.close()
        reader.close()


def _files_under(folder: Path) -> list[Path]:
    """Regular files below ``folder`` (relative paths, sorted; symlinks are not followed)."""
    if not folder.is_dir():
        return []
    found = []
    for root, directories, names in os.walk(folder):
        directories.sort()
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(folder))
    return found


def _unpack(archive: Path, work: Path, *, allowed: set[str]) -> None:
    """Extract the regular files of ``archive`` whose first path part is in ``allowed``; refuse anything else."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if member.isdir() and name.parts and name.parts[0] in allowed and ".." not in name.parts:
                    continue
                if (not member.isfile() or name.is_absolute() or ".." in name.parts
                        or not name.parts or name.parts[0] not in allowed):
                    raise BackupError(_("%(path)s holds %(member)s, which is not part of a HealthStack backup.")
                                      % {"path": archive, "member": member.name})
                destination = work.joinpath(*name.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, open(destination, "wb") as target:
                    shutil.copyfileobj(source, target)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(_("%(path)s is not a readable backup: %(error)s") % {"path": archive, "error": error}) from error


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, *, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o644
    archive.addfile(info, io.BytesIO(data))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
