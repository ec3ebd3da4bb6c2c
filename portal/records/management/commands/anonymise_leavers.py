"""Leavers' retention rule: anonymise staff who left more than N years ago.

Dry run by default (lists who would be anonymised); --apply does it. N is --years, else the
setting LEAVER_RETENTION_YEARS (default 6: set it to the hospital's retention policy).
Idempotent: someone anonymised once is never listed or changed again."""

from django.core.management.base import BaseCommand, CommandError

from portal.records.personal_data import leavers_due, personal_data_anonymise, retention_years


class Command(BaseCommand):
    help = "Anonymise staff inactive for more than N years (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None, help="retention in years")
        parser.add_argument("--apply", action="store_true", help="anonymise (else: list only)")

    def handle(self, *args, years=None, apply=False, **options):
        years = retention_years() if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        due = list(leavers_due(years=years))
        verb = "Anonymising" if apply else "Would anonymise"
        self.stdout.write(f"{verb} {len(due)} staff inactive for more than {years} years.")
        for staff in due:
            last = f"{staff.updated_at:%Y-%m-%d}"
            self.stdout.write(f"  {staff.pk}\t{staff.employee_no}\t{staff.full_name}\t{last}")
            if apply:
                personal_data_anonymise(staff=staff, actor=None)
        if not apply and due:
            self.stdout.write("Dry run: nothing changed. Run with --apply to anonymise.")
