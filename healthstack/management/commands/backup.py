from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.backups import BackupError, create_backup, not_sqlite_message


def backup_folders() -> dict[str, Path]:
    return {"media": Path(settings.MEDIA_ROOT), "private_media": Path(settings.PRIVATE_MEDIA_ROOT)}


class Command(BaseCommand):
    help = (
        "Write the SQLite database (a consistent copy, safe while the site serves), the private files "
        "and the media into one dated archive, backups/healthstack-<UTC time>.tar.gz, with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=Path(settings.BASE_DIR) / "backups", metavar="DIR",
                            help="Folder for the archive (default: backups/ in the project).")

    def handle(self, *args, output: Path, now=None, **options):
        connection = connections["default"]
        if connection.vendor != "sqlite":
            raise CommandError(not_sqlite_message(connection.display_name))
        try:
            backup = create_backup(database=Path(connection.settings_dict["NAME"]), folders=backup_folders(),
                                   output_dir=output, now=now or timezone.now())
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backup.manifest
        self.stdout.write(_(
            "Backup written to %(path)s: the database (%(size)s bytes, sha256 %(sha256)s), "
            "%(media)s media files and %(private)s private files."
        ) % {"path": backup.path, "size": manifest["database"]["bytes"], "sha256": manifest["database"]["sha256"],
             "media": manifest["files"]["media"], "private": manifest["files"]["private_media"]})
