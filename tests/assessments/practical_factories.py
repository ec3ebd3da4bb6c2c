"""Practical exams for tests: a scenario (from the starter pack by default) stored as a
ScenarioVersion, and a published practical exam on it."""

from pathlib import Path

import yaml

from assessments.models import Exam, ExaminerAssignment, RubricItem, Scenario, ScenarioVersion

STARTER = Path(__file__).resolve().parents[2] / "assessments" / "simulation" / "starter"


def starter_definition(slug: str) -> dict:
    return yaml.safe_load((STARTER / f"{slug}.yaml").read_text(encoding="utf-8"))


def solution_actions(slug: str, name: str = "reference") -> list[dict]:
    data = yaml.safe_load((STARTER / "solutions" / slug / f"{name}.yaml").read_text("utf-8"))
    return data["actions"] if isinstance(data, dict) else data


def scenario(definition: dict | None = None, slug: str = "nurse-bcma-wrong-patient") -> Scenario:
    if definition is None:  # a starter scenario: one per slug (slugs are unique)
        existing = Scenario.objects.filter(slug=slug).first()
        if existing is not None:
            return existing
    definition = definition or starter_definition(slug)
    s = Scenario.objects.create(
        slug=definition["slug"],
        title=definition["title"]["en"],
        title_zh=definition["title"].get("zh", ""),
        role=definition["role"],
    )
    ScenarioVersion.objects.create(scenario=s, number=1, definition=definition)
    return s


def practical_exam(
    scenario_=None, *, assessed_by="simulation", rubric=(), examiners=(), **fields
) -> Exam:
    """A published practical exam. `rubric`: (text, points) pairs; `examiners`: (examiner
    user, staff) pairs assigned to each other."""
    fields.setdefault("title", "Practical exam")
    fields.setdefault("published", True)
    fields.setdefault("time_limit_minutes", 30)
    e = Exam.objects.create(
        kind=Exam.Kind.PRACTICAL,
        scenario=scenario_ if scenario_ is not None else scenario(),
        assessed_by=assessed_by,
        **fields,
    )
    for order, (text, points) in enumerate(rubric):
        RubricItem.objects.create(exam=e, sort_order=order, text=text, points=points)
    for order, (examiner, staff) in enumerate(examiners):
        ExaminerAssignment.objects.create(exam=e, sort_order=order, examiner=examiner, staff=staff)
    return e
