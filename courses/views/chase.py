"""The manager's chase list: who is overdue or has not started, with a chart and exports."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import exports
from portal.org.models import Department, JobRole, Shift
from portal.pagination import paginate

from ..selectors import chase as selectors


class ChaseFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.none(), required=False
    )
    job_role = forms.ModelChoiceField(
        label=gettext_lazy("Job role"), queryset=JobRole.objects.all(), required=False
    )
    shift = forms.ModelChoiceField(
        label=gettext_lazy("Shift"), queryset=Shift.objects.all(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=selectors.STATUS_FILTERS, required=False
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        # Only departments in the viewer's scope are choices: another one is refused as invalid.
        self.fields["department"].queryset = departments
        self.fields["department"].error_messages["invalid_choice"] = gettext_lazy(
            "Choose one of your departments."
        )


def _filtered(request):
    """(form, scope, assignments, status filter) for the viewer; 403 for those who may not
    chase. Invalid filters are dropped (the form shows why); the scope always applies."""
    if not selectors.chase_may_view(request.user):
        raise PermissionDenied
    scope = selectors.chase_scope(viewer=request.user)
    form = ChaseFilterForm(
        request.GET or None, departments=selectors.chase_departments(scope=scope)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    assignments = selectors.chase_assignments(
        scope=scope,
        today=timezone.localdate(),
        department_id=getattr(filters.get("department"), "pk", None),
        job_role_id=getattr(filters.get("job_role"), "pk", None),
        shift_id=getattr(filters.get("shift"), "pk", None),
    )
    return form, scope, assignments, filters.get("status") or selectors.ATTENTION


@login_required
def chase_list(request):
    form, scope, assignments, status = _filtered(request)
    context = paginate(request, selectors.chase_rows(assignments, status=status))
    context["page"].object_list = selectors.rows_with_titles(context["page"].object_list)
    summary = selectors.chase_summary(assignments)
    totals = {s: sum(d.counts[s] for d in summary) for s in selectors.STATUSES}
    return render(
        request,
        "courses/chase/list.html",
        {
            **context,
            "form": form,
            "all_departments": scope is None,
            "summary": summary,
            "totals": [(s, selectors.STATUS_LABELS[s], totals[s]) for s in selectors.STATUSES],
            "chart": selectors.chart_data(summary),
        },
    )


def _export_table(request):
    form, _scope, assignments, status = _filtered(request)
    if form.is_bound and not form.is_valid():
        return None, form
    rows = selectors.chase_rows(assignments, status=status)
    table = exports.Table(
        name=f"chase-list-{timezone.localdate():%Y-%m-%d}",
        header=selectors.export_header(),
        rows=selectors.export_rows(rows),
        total=rows.count(),
    )
    return table, form


def _bad_filters(form):
    errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return HttpResponseBadRequest(
        _("The filters are not valid: %(errors)s") % {"errors": errors},
        content_type="text/plain; charset=utf-8",
    )


@login_required
def chase_export_csv(request):
    table, form = _export_table(request)
    return _bad_filters(form) if table is None else exports.csv_response(table)


@login_required
def chase_export_xlsx(request):
    table, form = _export_table(request)
    return _bad_filters(form) if table is None else exports.xlsx_response(table)
