from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from healthstack.backups import BackupError, not_sqlite_message, restore_backup
from healthstack.management.commands.backup import backup_folders


class Command(BaseCommand):
    help = (
        "Bring back an archive written by `manage.py backup`: the SQLite database and the files. Checks the "
        "manifest's checksum first, and refuses to replace a database that holds data unless --force."
    )
    # The database may be empty or about to be replaced: checks that read it come after.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument("--force", action="store_true",
                            help="Replace a database that already holds data (stop the site first).")

    def handle(self, *args, archive: Path, force: bool, **options):
        connection = connections["default"]
        if connection.vendor != "sqlite":
            raise CommandError(not_sqlite_message(connection.display_name))
        connections.close_all()
        try:
            manifest = restore_backup(archive=archive, database=Path(connection.settings_dict["NAME"]),
                                      folders=backup_folders(), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = manifest.get("files", {})
        self.stdout.write(_(
            "Restored the database and %(media)s media and %(private)s private files from %(path)s "
            "(backed up at %(created_at)s)."
        ) % {"media": files.get("media", 0), "private": files.get("private_media", 0), "path": archive,
             "created_at": manifest.get("created_at", "?")})
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(_("This checkout has newer migrations than the backup: run `manage.py migrate`."))
