"""Prove the certification status table right, or repair it.

    manage.py recompute_status --check [--staff EMPLOYEE_NO ...]
    manage.py recompute_status --fix [--staff EMPLOYEE_NO ...]

`--check` recomputes every row from raw evidence (`status_diff`: course completions, exam
attempts, certificates) and prints each difference, one line each, then a summary; it exits 1
when there is any. `--fix` refreshes the people concerned through the status service (which
also issues certificates that are due), records one audit event, and checks them again.
"""

import time
from collections import Counter
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.models import CertificationStatus, CertificationTrack
from assessments.services.certification import Difference, status_diff, status_refresh
from portal.org.models import StaffMember
from portal.records.services import audit_record

FIX_CAUSE = "recompute_status --fix"
ACTOR_LABEL = "manage.py recompute_status"


class Command(BaseCommand):
    help = (
        "Recompute the certification status table from raw evidence. --check prints every "
        "difference and exits 1 if there is any; --fix repairs them through the status service "
        "(audited) and checks again."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--check", action="store_true", help="report differences, change nothing")
        mode.add_argument("--fix", action="store_true", help="repair differences, then re-check")
        parser.add_argument(
            "--staff",
            action="append",
            default=[],
            metavar="EMPLOYEE_NO",
            help="only this person (repeatable)",
        )

    def handle(self, *args, **options):
        staff_ids = _staff_ids(options["staff"])
        now = timezone.now()
        differences, seconds = self._check(staff_ids, now)
        if not differences:
            return
        if options["check"]:
            raise CommandError(f"{len(differences):,} differences", returncode=1)

        affected = sorted({d.staff_id for d in differences})
        clock = time.perf_counter()
        report = status_refresh(staff_ids=affected, cause=FIX_CAUSE, now=now)
        audit_record(
            action="certification.recompute_fix",
            object_type="assessments.certificationstatus",
            after={
                "differences": len(differences),
                "fields": dict(Counter(d.field for d in differences)),
                "staff_ids": affected,
                "certificates_issued": report.certificates,
            },
            actor_label=ACTOR_LABEL,
        )
        self.stdout.write(
            f"fixed {len(affected):,} staff in {time.perf_counter() - clock:.1f} s: "
            f"{report.changed:,} rows changed, {report.created:,} created, "
            f"{report.removed:,} removed, {len(report.certificates):,} certificates issued"
        )
        remaining, _seconds = self._check(staff_ids, now)
        if remaining:
            raise CommandError(f"{len(remaining):,} differences remain after --fix", returncode=1)

    def _check(self, staff_ids: list[int] | None, now) -> tuple[list[Difference], float]:
        clock = time.perf_counter()
        differences = status_diff(staff_ids=staff_ids, now=now)
        seconds = time.perf_counter() - clock
        for line in difference_lines(differences):
            self.stdout.write(line)
        people = len(staff_ids) if staff_ids is not None else StaffMember.objects.count()
        rows = CertificationStatus.objects.all()
        if staff_ids is not None:
            rows = rows.filter(staff_id__in=staff_ids)
        outcome = f"{len(differences):,} differences" if differences else "no differences"
        self.stdout.write(
            f"checked {people:,} staff, {rows.count():,} rows in {seconds:.1f} s: {outcome}"
        )
        return differences, seconds


def _staff_ids(employee_numbers: list[str]) -> list[int] | None:
    if not employee_numbers:
        return None
    found = dict(
        StaffMember.objects.filter(employee_no__in=employee_numbers).values_list(
            "employee_no", "pk"
        )
    )
    unknown = [number for number in employee_numbers if number not in found]
    if unknown:
        raise CommandError(f"unknown employee number: {', '.join(unknown)}")
    return sorted(found.values())


def difference_lines(differences: list[Difference]) -> list[str]:
    """`H100001 cashier-his: status: expired → certified`, one per difference."""
    staff = dict(
        StaffMember.objects.filter(pk__in={d.staff_id for d in differences}).values_list(
            "pk", "employee_no"
        )
    )
    tracks = dict(
        CertificationTrack.objects.filter(pk__in={d.track_id for d in differences}).values_list(
            "pk", "code"
        )
    )
    return [
        f"{staff.get(d.staff_id, f'staff #{d.staff_id}')} "
        f"{tracks.get(d.track_id, f'track #{d.track_id}')}: {d.field}: "
        f"{_shown(d.field, d.stored)} → {_shown(d.field, d.computed)}"
        for d in differences
    ]


def _shown(field: str, value) -> str:
    if value is None:
        return "none"
    if field == "certificate":  # (valid_from, valid_until) of the certificate to issue
        return f"due, valid {value[0].isoformat()} to {value[1].isoformat()}"
    if field == "history":  # (score, level, complete) of the latest proficiency record
        score, level, complete = value
        return f"{score} {level}{'' if complete else ' (incomplete)'}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
