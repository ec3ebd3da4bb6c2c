"""Saving questions and keeping their versions.

`question_snapshot` is the one definition of what a version holds; the grading, the attempt
screens and the exporters read only snapshots. `question_version_ensure` is called after every
save of a question (admin form, import, demo): if nothing a learner would see or be graded on
changed, nothing happens; if the latest version has not been attempted it is updated in place;
otherwise a new version is added and earlier attempts keep the one they saw.
"""

from decimal import Decimal

from django.db import transaction

from ..models import AttemptQuestion, Question, QuestionVersion


def _float(value) -> float:
    return float(Decimal(value or 0))


def question_snapshot(question: Question) -> dict:
    """The version content of a question as it is now (answers in their editor order).

    Fractions are stored as shares of the mark (-1.0 .. 1.0); the editor shows percentages."""
    answers = [
        {
            "text": answer.text,
            "text_zh": answer.text_zh,
            "fraction": round(_float(answer.fraction) / 100, 7),
            "feedback": answer.feedback,
            "feedback_zh": answer.feedback_zh,
            "tolerance": _float(answer.tolerance),
            "match": answer.match,
            "match_zh": answer.match_zh,
        }
        for answer in question.answers.all()
    ]
    return {
        "qtype": question.qtype,
        "name": question.name,
        "text": question.text,
        "text_zh": question.text_zh,
        "text_format": question.text_format,
        "general_feedback": question.general_feedback,
        "general_feedback_zh": question.general_feedback_zh,
        "default_mark": str(Decimal(question.default_mark).quantize(Decimal("0.01"))),
        "shuffle": question.shuffle_answers,
        "case_sensitive": question.case_sensitive,
        "answers": answers,
    }


def version_attempted(version: QuestionVersion) -> bool:
    return AttemptQuestion.objects.filter(version=version).exists()


def question_version_ensure(*, question: Question, actor=None) -> QuestionVersion:
    """Make the latest version match the question; see the module docstring."""
    content = question_snapshot(question)
    with transaction.atomic():
        # Lock the question row so two saves of one question number versions one after another.
        Question.objects.select_for_update().filter(pk=question.pk).first()
        latest = question.versions.order_by("-number").first()
        if latest is not None and latest.content == content:
            return latest
        if latest is not None and not version_attempted(latest):
            latest.content = content
            latest.qtype = question.qtype
            latest.save(update_fields=["content", "qtype"])
            return latest
        return QuestionVersion.objects.create(
            question=question,
            number=(latest.number + 1) if latest else 1,
            qtype=question.qtype,
            content=content,
            created_by=actor,
        )


def question_latest_version(question: Question) -> QuestionVersion | None:
    return question.versions.order_by("-number").first()
