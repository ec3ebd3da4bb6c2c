from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.records.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and "
        "MEDIA_ROOT: checksums first, an empty target, then row counts and the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "backup", type=Path, help="The backup directory (readyline-backup-...)."
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace a database that is not empty (its contents are dropped) and move a "
            "non-empty media folder aside.",
        )

    def handle(self, *args, **options):
        try:
            report = backup_restore(
                path=options["backup"], replace=options["yes"], progress=self.stdout.write
            )
        except BackupError as error:
            raise CommandError(f"Restore REFUSED: {error}") from error
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("Restore done but its checks FAILED:\n" + "\n".join(report.problems))
        self.stdout.write(f"Restore OK: {report.backup}")
