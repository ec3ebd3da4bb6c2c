"""Learners rate courses and report lesson problems; trainers triage the reports.

The rating and report forms live under the course and lesson pages (see the include templates
in courses/feedback/); their GET pages here are the same forms on their own, which is also where
a refused submit comes back to, with the message and what the person typed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.org.selectors import staff_for_user
from portal.pagination import paginate
from portal.records.services import client_ip

from ..models import CoursePage, LessonPage, ProblemReport
from ..selectors import feedback as selectors
from ..services import feedback as services

STARS_MESSAGE = gettext_lazy("Choose a rating from 1 to 5 stars.")


class RatingForm(forms.Form):
    stars = forms.IntegerField(
        min_value=1,
        max_value=5,
        error_messages={
            "required": STARS_MESSAGE,
            "invalid": STARS_MESSAGE,
            "min_value": STARS_MESSAGE,
            "max_value": STARS_MESSAGE,
        },
    )
    comment = forms.CharField(required=False, max_length=services.COMMENT_MAX)


class ReportForm(forms.Form):
    text = forms.CharField(
        max_length=services.REPORT_MAX,
        error_messages={
            "required": gettext_lazy("Describe the problem before sending the report.")
        },
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        max_length=services.RESOLUTION_MAX,
        error_messages={
            "required": gettext_lazy("Write what was done (the reporter sees this note).")
        },
    )


class TriageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *ProblemReport.Status.choices],
    )
    course = forms.TypedChoiceField(label=gettext_lazy("Course"), required=False, coerce=int)

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", _("All courses"))] + [
            (c.pk, c.label) for c in courses
        ]


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _live_page(model, pk: int):
    found = model.objects.live().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _form_errors(form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


# ---------------------------------------------------------------------------------------------
# Learners


@login_required
def course_rate(request, pk: int):
    course = _live_page(CoursePage, pk)
    staff = staff_for_user(user=request.user)
    form = RatingForm(request.POST or None)
    if request.method == "POST":
        if staff is None:
            messages.error(request, _("Only staff on the roster can rate courses."))
            return redirect(_next_url(request, course.url))
        if form.is_valid():
            try:
                _rating, created = services.course_rate(
                    staff=staff,
                    course=course,
                    stars=form.cleaned_data["stars"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Thank you: your rating is saved.")
                    if created
                    else _("Your rating is updated."),
                )
                return redirect(_next_url(request, course.url))
    return render(
        request,
        "courses/feedback/rate_page.html",
        {
            "page": course,
            "rating_form": form if form.is_bound else None,
            "rating_errors": _form_errors(form) if form.is_bound else [],
            "next": _next_url(request, course.url),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def lesson_report(request, pk: int):
    lesson = _live_page(LessonPage, pk)
    staff = staff_for_user(user=request.user)
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        if staff is None:
            messages.error(request, _("Only staff on the roster can report problems."))
            return redirect(_next_url(request, lesson.url))
        if form.is_valid():
            try:
                _report, created = services.problem_report_create(
                    staff=staff, lesson=lesson, text=form.cleaned_data["text"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Thank you: the trainers will look at your report.")
                    if created
                    else _("This report was already sent; it is recorded once."),
                )
                return redirect(_next_url(request, lesson.url))
    return render(
        request,
        "courses/feedback/report_page.html",
        {
            "page": lesson,
            "report_form": form if form.is_bound else None,
            "report_errors": _form_errors(form) if form.is_bound else [],
            "next": _next_url(request, lesson.url),
        },
        status=400 if form.is_bound else 200,
    )


# ---------------------------------------------------------------------------------------------
# Trainers


def _triage_allowed(request):
    if not services.may_triage(request.user):
        raise PermissionDenied


@login_required
def feedback_triage(request):
    _triage_allowed(request)
    courses = list(selectors.courses_for_filter())
    data = request.GET.copy()
    data.setdefault("status", ProblemReport.Status.OPEN)
    form = TriageFilterForm(data, courses=courses)
    filters = form.cleaned_data if form.is_valid() else {"status": ProblemReport.Status.OPEN}
    course = next((c for c in courses if c.pk == filters.get("course")), None)
    reports = selectors.problem_reports_triage(
        viewer=request.user, status=filters.get("status", ""), course=course
    )
    context = paginate(request, reports)
    context["page"].object_list = selectors.reports_with_courses(context["page"].object_list)
    summaries = selectors.rating_summaries(viewer=request.user, course=course)
    return render(
        request,
        "courses/feedback/triage.html",
        {
            **context,
            "form": form,
            "counts": selectors.problem_report_counts(viewer=request.user, course=course),
            "summaries": summaries,
            "rating_count": sum(s.count for s in summaries),
            "next": request.get_full_path(),
        },
    )


@require_POST
@login_required
def feedback_resolve(request, pk: int):
    _triage_allowed(request)
    report = selectors.problem_report_get(viewer=request.user, pk=pk)
    form = ResolveForm(request.POST)
    back = _next_url(request, reverse("courses:feedback_triage"))
    if not form.is_valid():
        for error in _form_errors(form):
            messages.error(request, error)
        return redirect(back)
    try:
        changed = services.problem_report_resolve(
            actor=request.user,
            report=report,
            resolution=form.cleaned_data["resolution"],
            ip=client_ip(request),
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(back)
    if changed:
        messages.success(request, _("The report is resolved."))
    else:
        messages.info(request, _("This report was already resolved; nothing changed."))
    return redirect(back)


@require_POST
@login_required
def feedback_reopen(request, pk: int):
    _triage_allowed(request)
    report = selectors.problem_report_get(viewer=request.user, pk=pk)
    changed = services.problem_report_reopen(
        actor=request.user, report=report, ip=client_ip(request)
    )
    if changed:
        messages.success(request, _("The report is open again."))
    else:
        messages.info(request, _("This report is already open; nothing changed."))
    return redirect(_next_url(request, reverse("courses:feedback_triage")))
