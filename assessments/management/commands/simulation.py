"""`manage.py simulation validate FILE` and `manage.py simulation grade SCENARIO_FILE
ACTIONS_FILE`: a trainer's tools for scenarios kept anywhere on disk (the README documents the
actions file). Each prints one JSON object; exit status 1 when a file is invalid."""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from assessments import simulation


def _read(path: Path) -> str:
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None


def _errors(invalid) -> list[dict]:
    return [{"path": where, "message": message} for where, message in invalid.errors]


class Command(BaseCommand):
    help = (
        "validate FILE: check a practical scenario (JSON or YAML) against the format and its "
        "references. grade SCENARIO_FILE ACTIONS_FILE: grade a log of actions on a scenario "
        "(score, passed, critical failures, per-task and per-check results)."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        validate = commands.add_parser("validate", help="check a scenario file")
        validate.add_argument("scenario", type=Path)
        grade = commands.add_parser("grade", help="grade an actions file on a scenario")
        grade.add_argument("scenario", type=Path)
        grade.add_argument("actions", type=Path)
        grade.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="the HIS's date, YYYY-MM-DD (default: today): a date of birth after it is refused",
        )
        grade.add_argument(
            "--elapsed",
            type=float,
            default=None,
            help="seconds the attempt took (default: t of the last action)",
        )

    def handle(self, *args, **options):
        translation.activate(options.get("language") or "en")
        report, ok = getattr(self, f"_{options['command']}")(options)
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if not ok:
            raise SystemExit(1)

    def _load(self, path: Path):
        try:
            return simulation.scenario_load(_read(path)), None
        except simulation.ScenarioInvalid as invalid:
            return None, {"valid": False, "file": str(path), "errors": _errors(invalid)}

    def _validate(self, options):
        scenario, refused = self._load(options["scenario"])
        if refused:
            return refused, False
        definition = simulation.scenario_dump(scenario)
        tasks = definition["tasks"]
        return {
            "valid": True,
            "file": str(options["scenario"]),
            "slug": definition["slug"],
            "role": definition["role"],
            "tasks": len(tasks),
            "checks": sum(len(task["checks"]) for task in tasks),
            "critical_checks": sum(
                1
                for task in tasks
                for check in task["checks"]
                if task.get("critical") or check.get("critical")
            ),
        }, True

    def _grade(self, options):
        scenario, refused = self._load(options["scenario"])
        if refused:
            return refused, False
        try:
            actions = simulation.actions_parse(_read(options["actions"]))
        except simulation.ActionsInvalid as invalid:
            return {
                "valid": False,
                "file": str(options["actions"]),
                "errors": _errors(invalid),
            }, False
        result = simulation.grade(
            scenario, actions, elapsed=options["elapsed"], today=options["today"]
        )
        return result.to_dict(), True
