"""The trainer's pages of an exam: the exams they train, attempts, one attempt in full (with
exclusion from scoring), per-question statistics, results export and essay grading.

Who gets in: the trainers of the exam and superusers. Another trainer gets 404 (the exam,
attempt or essay might as well not exist); people who are not trainers at all get 403.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import exports
from portal.org.models import Department
from portal.pagination import paginate
from portal.records.models import AuditEvent
from portal.records.services import client_ip

from ..formats.render import text_html
from ..grading import matching_subquestions
from ..models import QType
from ..models.bank import _zh
from ..selectors import results
from ..selectors import trainer as selectors
from ..selectors.practical_statistics import practical_statistics
from ..services.grading import essay_grade as essay_grade_service
from ..services.trainer import REASON_MAX, ExcludeRefused, attempt_exclude

# ---------------------------------------------------------------------------------------------
# Access


def _trainer_only(request):
    if not selectors.is_trainer(request.user):
        raise PermissionDenied


def _missing(request):
    """Not theirs: 404 for trainers (nothing to learn about other exams), 403 for others."""
    if selectors.is_trainer(request.user):
        raise Http404
    raise PermissionDenied


def _exam(request, exam_id: int):
    exam = selectors.exam_for_trainer(exam_id=exam_id, user=request.user)
    if exam is None:
        _missing(request)
    return exam


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _may_edit(user) -> bool:
    return user.has_perm("assessments.change_exam")


# ---------------------------------------------------------------------------------------------
# Exams and attempts


@login_required
def trainer_exams(request):
    _trainer_only(request)
    exams = list(selectors.exams_for_trainer(user=request.user))
    for exam in exams:
        exam.pass_rate = selectors.pass_rate(exam)
    return render(
        request,
        "assessments/trainer/exam_list.html",
        {"exams": exams, "may_edit": _may_edit(request.user)},
    )


class AttemptFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), choices=selectors.STATE_FILTERS, required=False
    )


def _exam_context(request, exam, tab: str) -> dict:
    return {"exam": exam, "tab": tab, "may_edit": _may_edit(request.user)}


@login_required
def exam_attempts(request, exam_id: int):
    exam = _exam(request, exam_id)
    form = AttemptFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    attempts = selectors.exam_attempts(exam=exam, viewer=request.user, filters=filters)
    context = paginate(request, attempts)
    for attempt in context["page"].object_list:
        attempt.duration_minutes = results.duration_minutes(attempt)
    return render(
        request,
        "assessments/trainer/exam_attempts.html",
        {**_exam_context(request, exam, "attempts"), **context, "form": form},
    )


@login_required
def exam_statistics(request, exam_id: int):
    exam = _exam(request, exam_id)
    if exam.is_practical:
        return _practical_statistics(request, exam)
    stats = selectors.exam_question_statistics(exam=exam)
    chart = {
        "labels": [f"{i}. {q.name}"[:60] for i, q in enumerate(stats.questions, start=1)],
        "values": [q.facility for q in stats.questions],
        "colors": [_bar_color(q.facility, low=30, high=90) for q in stats.questions],
        "label": _("Facility index %"),
    }
    return render(
        request,
        "assessments/trainer/exam_statistics.html",
        {**_exam_context(request, exam, "statistics"), "stats": stats, "chart": chart},
    )


def _bar_color(percent, *, low: int, high: int) -> str:
    return "#f04438" if percent < low else ("#12b76a" if percent > high else "#0b6e69")


def _practical_statistics(request, exam):
    stats = practical_statistics(exam=exam)
    chart = {
        "labels": [f"{c.task}.{c.id}"[:60] for c in stats.checks],
        "values": [c.rate for c in stats.checks],
        "colors": [
            "#b42318" if c.critical and c.rate < 100 else _bar_color(c.rate, low=50, high=90)
            for c in stats.checks
        ],
        "label": _("Attempts that passed the check %"),
    }
    return render(
        request,
        "assessments/trainer/practical_statistics.html",
        {**_exam_context(request, exam, "statistics"), "stats": stats, "chart": chart},
    )


@login_required
def exam_results_export(request, exam_id: int, fmt: str):
    exam = _exam(request, exam_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    table = results.results_table(exam=exam, viewer=request.user)
    if fmt == "csv":
        return exports.csv_response(table)
    return exports.xlsx_response(table)


# ---------------------------------------------------------------------------------------------
# One attempt


@dataclass
class ReviewRow:
    """One question of an attempt as a trainer reads it."""

    number: int
    aq: object
    name: str
    qtype: str
    qtype_label: str
    text: str  # HTML
    response: list[str] = field(default_factory=list)  # HTML fragments
    right: list[str] = field(default_factory=list)  # HTML fragments
    essay: str = ""  # the essay as typed (escaped in the template)


def _pick(item: dict, key: str) -> str:
    zh = item.get(f"{key}_zh") if _zh() else ""
    return zh or item.get(key) or ""


def _html(text: str, content: dict) -> str:
    # text_html sanitises (nh3) whatever the format: safe to put in the page as it is.
    return mark_safe(text_html(text, content.get("text_format") or "html"))  # noqa: S308


def _answer_html(content: dict, answer: dict) -> str:
    return _html(_pick(answer, "text"), content)


def _percent(fraction) -> str:
    return f"{float(fraction) * 100:.4g} %"


def _review_row(number: int, aq, qtype_labels: dict) -> ReviewRow:
    content = aq.version.content
    qtype = content["qtype"]
    answers = content.get("answers", [])
    row = ReviewRow(
        number=number,
        aq=aq,
        name=content.get("name", ""),
        qtype=qtype,
        qtype_label=qtype_labels.get(qtype, qtype),
        text=_html(_pick(content, "text"), content),
    )
    response = aq.response or {}
    if qtype in ("single", "truefalse", "multiple"):
        chosen = response.get("choices") or (
            [response["choice"]] if response.get("choice") is not None else []
        )
        row.response = [_answer_html(content, answers[i]) for i in chosen if i < len(answers)]
        best = max((float(a["fraction"]) for a in answers), default=0)
        row.right = [
            format_html(
                '{} <span class="muted">({})</span>',
                _answer_html(content, a),
                _percent(a["fraction"]),
            )
            for a in answers
            if float(a["fraction"]) > 0 and (qtype == "multiple" or float(a["fraction"]) == best)
        ]
    elif qtype in ("shortanswer", "numerical"):
        if response.get("text"):
            row.response = [conditional_escape(response["text"])]
        row.right = [
            format_html(
                '{}{} <span class="muted">({})</span>',
                a["text"],
                f" ± {a['tolerance']:g}" if qtype == "numerical" and a.get("tolerance") else "",
                _percent(a["fraction"]),
            )
            for a in answers
            if float(a["fraction"]) > 0
        ]
    elif qtype == "matching":
        matches = response.get("matches") or {}
        for i in matching_subquestions(content):
            j = matches.get(str(i))
            picked = _pick(answers[j], "match") if j is not None and j < len(answers) else "—"
            row.response.append(_pair(content, answers[i], picked))
            row.right.append(_pair(content, answers[i], _pick(answers[i], "match")))
    elif qtype == "essay":
        row.essay = response.get("text") or ""
    return row


def _pair(content: dict, answer: dict, match: str) -> str:
    return format_html("{} → {}", _answer_html(content, answer), match)


class ExcludeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"size": 50}),
        error_messages={"required": gettext_lazy("Give a reason: it is kept in the audit trail.")},
    )


def _exclusion_event(attempt):
    return (
        AuditEvent.objects.filter(
            object_type="assessments.attempt",
            object_id=str(attempt.pk),
            action__in=["attempt.exclude", "attempt.include"],
        )
        .order_by("-at", "-pk")
        .first()
    )


@login_required
def trainer_attempt(request, attempt_id: int):
    attempt = selectors.attempt_for_trainer(attempt_id=attempt_id, user=request.user)
    if attempt is None:
        _missing(request)
    form = ExcludeForm(request.POST or None)
    if request.method == "POST":
        excluded = request.POST.get("action") != "include"
        if form.is_valid():
            try:
                attempt_exclude(
                    attempt=attempt,
                    actor=request.user,
                    excluded=excluded,
                    reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )
            except ExcludeRefused as exc:
                form.add_error("reason", exc.message)
            else:
                messages.success(
                    request,
                    _("The attempt is excluded from the exam result. It is kept, not deleted.")
                    if excluded
                    else _("The attempt counts towards the exam result again."),
                )
                return redirect("assessments:trainer_attempt", attempt_id=attempt.pk)
    qtype_labels = {k: str(v) for k, v in QType.choices}
    practical = _practical_context(attempt) if attempt.exam.is_practical else {}
    rows = [
        _review_row(n, aq, qtype_labels)
        for n, aq in enumerate(selectors.attempt_questions(attempt=attempt), start=1)
    ]
    return render(
        request,
        "assessments/trainer/attempt.html",
        {
            **_exam_context(request, attempt.exam, "attempts"),
            "attempt": attempt,
            "duration_minutes": results.duration_minutes(attempt),
            "rows": rows,
            "form": form,
            "exclusion": _exclusion_event(attempt),
            **practical,
        },
    )


def _check_text(check: dict) -> str:
    description = check.get("description") or {}
    if isinstance(description, dict):
        return (_zh() and description.get("zh")) or description.get("en") or check.get("id", "")
    return str(description)


def _practical_context(attempt) -> dict:
    """A practical attempt shows the simulation's result (per task and check, with why) and
    the examiner's rubric score instead of questions."""
    from ..models import RubricScore
    from ..services.practical import simulation_result

    # Regraded from the log (the same result as stored) so the reasons are in this page's language.
    result = simulation_result(attempt) if attempt.scenario_version_id else None
    tasks = []
    for task in (result or {}).get("tasks", []):
        checks = [{**c, "text": _check_text(c)} for c in task.get("checks", [])]
        tasks.append({**task, "checks": checks})
    return {
        "practical": True,
        "simulation": result,
        "sim_tasks": tasks,
        "rubric": RubricScore.objects.filter(attempt_id=attempt.pk)
        .select_related("examiner")
        .first()
        if attempt.exam.uses_rubric
        else None,
        "may_replay": attempt.scenario_version_id is not None,
    }


# ---------------------------------------------------------------------------------------------
# Essays


@login_required
def grading_queue(request):
    _trainer_only(request)
    context = paginate(request, selectors.grading_queue(viewer=request.user))
    return render(request, "assessments/trainer/grading_queue.html", context)


class GradeForm(forms.Form):
    mark = forms.DecimalField(
        label=gettext_lazy("Mark"),
        max_digits=8,
        decimal_places=3,
        error_messages={
            "required": gettext_lazy("Give a mark."),
            "invalid": gettext_lazy("The mark must be a number, for example 3 or 2.5."),
            "max_decimal_places": gettext_lazy("Use at most 3 decimals."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment for the learner"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )

    def __init__(self, *args, max_mark: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_mark = max_mark
        self.fields["mark"].widget.attrs.update(min=0, max=max_mark, step="any")

    def clean_mark(self):
        mark = self.cleaned_data["mark"]
        if not Decimal(0) <= mark <= self.max_mark:
            raise forms.ValidationError(
                _("The mark must be between 0 and %(max)s.") % {"max": self.max_mark.normalize()}
            )
        return mark


def _same_grade(aq, mark: Decimal, comment: str) -> bool:
    """The grade is already what was posted (a double submit, or a second trainer agreeing)."""
    if aq.needs_grading or aq.mark is None:
        return False
    mark = mark.quantize(Decimal("0.001"), ROUND_HALF_UP)
    return aq.mark == mark and aq.grader_comment == (comment or "")


@login_required
def essay_grade(request, aq_id: int):
    aq = selectors.grading_item(aq_id=aq_id, user=request.user)
    if aq is None:
        _missing(request)
    back = _next_url(request, reverse("assessments:grading_queue"))
    initial = {"mark": aq.mark, "comment": aq.grader_comment} if aq.graded_at else None
    form = GradeForm(request.POST or None, initial=initial, max_mark=aq.max_mark)
    if request.method == "POST" and form.is_valid():
        mark, comment = form.cleaned_data["mark"], form.cleaned_data["comment"]
        if _same_grade(aq, mark, comment):
            messages.info(request, _("This grade was already saved; nothing changed."))
            return redirect(back)
        try:
            essay_grade_service(
                attempt_question=aq, mark=mark, comment=comment, grader=request.user
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Graded %(name)s: %(mark)s out of %(max)s.")
                % {
                    "name": aq.attempt.staff.full_name,
                    "mark": mark.normalize(),
                    "max": aq.max_mark.normalize(),
                },
            )
            return redirect(back)
    content = aq.version.content
    return render(
        request,
        "assessments/trainer/essay_grade.html",
        {
            "aq": aq,
            "attempt": aq.attempt,
            "exam": aq.attempt.exam,
            "question_html": _html(_pick(content, "text"), content),
            "essay": (aq.response or {}).get("text") or "",
            "form": form,
            "next": back,
            "remaining": selectors.grading_queue(viewer=request.user).filter(~Q(pk=aq.pk)).count(),
        },
    )
