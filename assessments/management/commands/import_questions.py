import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from assessments.services.imports import (
    FORMATS,
    ImportRefused,
    questions_import_apply,
    questions_import_parse,
)


class Command(BaseCommand):
    help = (
        "Check a GIFT or Moodle XML question file and print one JSON object (questions, types, "
        "categories, errors, unsupported types); exit 1 when it has errors. With --apply, import "
        "all its questions in one transaction, or none when the file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--category",
            default="",
            help='base category path, e.g. "Nursing/Medication": the file\'s categories go '
            "under it",
        )
        parser.add_argument("--apply", action="store_true", help="import the questions")

    def handle(self, *args, **options):
        translation.activate("en")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        result = questions_import_parse(
            data=path.read_bytes(), fmt=options["fmt"], category=options["category"]
        )
        report = result.summary()
        if options["apply"] and result.ok:
            try:
                imported = questions_import_apply(result=result, actor=None)
            except ImportRefused as refused:
                raise CommandError(refused.message) from refused
            report.update(imported.as_dict(), applied=True)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if not result.ok:
            raise SystemExit(1)
