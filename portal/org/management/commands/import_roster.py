import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.org.services import roster_plan, roster_plan_apply


class Command(BaseCommand):
    help = (
        "Check a roster file (CSV or XLSX) and print a JSON summary; exit 1 when it has errors. "
        "With --apply, write it in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="apply the changes")
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="with --apply: deactivate active staff absent from the file (nobody is deleted)",
        )
        parser.add_argument(
            "--no-invite", action="store_true", help="do not email invitations to new staff"
        )

    def handle(self, *args, **options):
        translation.activate("en")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        plan = roster_plan(data=path.read_bytes())
        deactivate = options["deactivate_missing"]
        report = {
            "file": str(path),
            "applied": False,
            **plan.summary(deactivate),
            "errors": [e.as_dict() for e in plan.errors],
        }
        if not plan.errors and options["apply"]:
            summary = roster_plan_apply(
                plan=plan,
                actor=None,
                deactivate_missing=deactivate,
                source=f"import_roster {path.name}",
                invite=not options["no_invite"],
            )
            report.update(summary, applied=True, errors=[])
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if plan.errors:
            raise SystemExit(1)
