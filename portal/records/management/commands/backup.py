from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.records.backup import BackupError, backup_create, backup_root_default


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump; SQLite: its backup API) and the media "
        "folder into one timestamped directory with a manifest of SHA-256 checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help=f"Folder to write the backup directory into (default: {backup_root_default()}).",
        )

    def handle(self, *args, **options):
        try:
            path = backup_create(to=options["to"], progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(f"Backup FAILED: {error}") from error
        self.stdout.write(str(path))
