"""The examinee's simulated HIS: the attempt page of a practical exam.

The page is drawn from the fold of the attempt's action log (services.practical.attempt_state),
so a reload resumes where the examinee was. Every HIS form posts one action with the sequence
number the page was drawn with (the log's length + 1) to `his_act`, which records it through
`practical_act` and redirects back (POST-redirect-GET): a double submit is recognised as the same
action and recorded once; a page older than the log is told to reload. The deadline, the grace
and the exactly-once finish are the attempt engine's, as for knowledge exams.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..models import Attempt
from ..selectors.attempts import review_allowed, score_visible
from ..services.attempts import SaveRefused, attempt_overdue_finish, attempt_submit
from ..services.practical import StaleAction, attempt_state, practical_act, simulation_result
from . import his_forms as forms
from .learner import _iso, _own_attempt, _zh


def _page_url(attempt, screen: str = "") -> str:
    url = reverse("assessments:his_page", args=[attempt.pk])
    return f"{url}?screen={screen}" if screen else url


def _closed(request, attempt):
    """Where an attempt goes instead of the HIS: a knowledge exam's to its questions, a
    finished (or just timed-out) one to its result."""
    if not attempt.exam.uses_simulation or not attempt.scenario_version_id:
        return redirect("assessments:attempt_page", attempt_id=attempt.pk)
    if attempt_overdue_finish(attempt=attempt):
        messages.info(request, _("Time ran out: the attempt was finished with the actions so far."))
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("assessments:his_result", attempt_id=attempt.pk)
    return None


def _wrong_patient(state: dict, log: list[dict]) -> dict | None:
    """The BCMA warning to show: the last action was a dose given to a patient whose wristband
    is not the order's (the HIS refused it) — the nurse may stop, or give anyway."""
    last = log[-1] if log else None
    if not last or last.get("type") != "administer" or last.get("override_warning"):
        return None
    order = (state.get("orders") or {}).get(last.get("order")) or {}
    scanned = state.get("scanned_patient")
    if last.get("outcome") != "given" or not state.get("errors") or not scanned:
        return None
    if state["errors"][-1].get("seq") != last.get("seq") or scanned == order.get("patient"):
        return None
    if state.get("scanned_drug") != order.get("drug"):
        return None  # a wrong drug is a hard stop, not a warning one may override
    return {
        "message": state["errors"][-1].get("message", ""),
        "fields": forms.post_fields({**last, "override_warning": True}),
        "scanned": (state.get("patients") or {}).get(scanned),
        "order": order,
    }


def _tasks(definition: dict, zh: bool) -> list[dict]:
    # The instructions only: the checks are the examiner's and never reach the page.
    return [
        {"id": task.get("id"), "instruction": forms.text(task.get("instruction"), zh)}
        for task in definition.get("tasks") or ()
    ]


def _screen_context(screens: forms.Screens, role: str, screen: str, log: list[dict]) -> dict:
    context = {"banner": screens.banner(), "worklist": screens.worklist()}
    if role == "doctor":
        context.update(
            orders=screens.orders(),
            pending_alerts=screens.pending_alerts(),
            formulary=screens.formulary_view(),
            units=screens.choices("units"),
            routes=screens.choices("routes"),
            tests_by_kind=screens.tests_by_kind(),
            order_sets=screens.order_sets_view(),
            frequencies=forms.FREQUENCIES,
            departments=screens.departments_view(),
            free_beds=screens.free_beds(),
        )
    elif role == "nurse":
        context.update(
            mar=screens.mar(),
            scanned=screens.scanned(),
            bedside=screens.bedside(),
            vitals=screens.vitals(),
            warning=_wrong_patient(screens.state, log),
        )
    elif role == "cashier":
        context.update(
            search=screens.search_results(log),
            departments=screens.departments_view(),
            free_beds=screens.free_beds(),
            till=screens.till(),
            price_list=screens.price_list(),
            methods=forms.PAYMENT_METHODS,
        )
    elif role == "admin":
        context.update(
            users=screens.users(),
            roles=screens.roles_view(),
            departments=screens.departments_view(),
        )
    return context


def _last_action(log: list[dict]) -> dict | None:
    if not log:
        return None
    last = log[-1]
    return {
        "seq": last.get("seq"),
        "label": forms.ACTION_LABELS.get(last.get("type"), last.get("type")),
        "refused": bool(last.get("error")),
    }


def _js_strings() -> dict:
    return {
        "time_up": _("Time is up: the attempt is being finished."),
        "offline": _("Connection lost — nothing was sent. Try again when the connection returns."),
        "sending": _("Sending…"),
    }


@login_required
@require_GET
def his_page(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    elsewhere = _closed(request, attempt)
    if elsewhere is not None:
        return elsewhere
    scenario, state_obj, log = attempt_state(attempt)
    state = state_obj.as_dict()
    # The log rows carry no error: the fold's errors say which actions the HIS refused.
    refused = {e.get("seq"): e.get("message", "") for e in state.get("errors") or ()}
    log = [{**a, "error": refused.get(a["seq"], "")} for a in log]
    definition = attempt.scenario_version.definition
    zh = _zh()
    role = definition.get("role", "nurse")
    screen_names = forms.ROLE_SCREENS.get(role, ())
    screen = request.GET.get("screen", "")
    screen = screen if screen in screen_names else (screen_names[0] if screen_names else "")
    screens = forms.Screens(
        definition, state, zh=zh, today=timezone.localtime(attempt.started_at).date()
    )
    context = {
        "attempt": attempt,
        "exam": attempt.exam,
        "act_url": reverse("assessments:his_act", args=[attempt.pk]),
        "js_strings": _js_strings(),
        "role": role,
        "screen": screen,
        "screen_tabs": [(name, forms.SCREEN_LABELS[name]) for name in screen_names],
        "seq": (log[-1]["seq"] if log else 0) + 1,
        "his_user": definition.get("user") or {},
        "department": screens.his_department(),
        "title": forms.text(definition.get("title"), zh),
        "brief": forms.text(definition.get("brief"), zh),
        "tasks": _tasks(definition, zh),
        "errors": [
            {**e, "label": forms.ACTION_LABELS.get(e.get("type"), e.get("type"))}
            for e in reversed(state.get("errors") or ())
        ],
        "last_action": _last_action(log),
        "deadline": _iso(attempt.deadline),
        "server_now": _iso(timezone.now()),
        **_screen_context(screens, role, screen, log),
    }
    if context.get("warning") and _dismissed(request, attempt, log[-1]["seq"]):
        context["warning"] = None  # "do not give": the nurse stops and scans again
    return render(request, "assessments/his/page.html", context)


def _dismissed(request, attempt, seq: int) -> bool:
    """ "Do not give" hides the warning of that action for good (kept in the session, so
    switching screens does not bring it back); a later refused dose warns again."""
    key = f"his-dismissed-{attempt.pk}"
    if request.GET.get("dismiss") == str(seq):
        request.session[key] = seq
    return request.session.get(key) == seq


@login_required
@require_POST
def his_act(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    screen = request.POST.get("screen", "")
    elsewhere = _closed(request, attempt)
    if elsewhere is not None:
        messages.error(request, _("This attempt is finished: the HIS takes no more actions."))
        return elsewhere
    seq = request.POST.get("seq", "")
    if not seq.isdigit():
        messages.error(request, _("The form is incomplete. Reload the page."))
        return redirect(_page_url(attempt, screen))
    try:
        action = forms.action_from_post(request.POST, _lookups(attempt, request.POST))
        practical_act(attempt=attempt, staff=attempt.staff, action=action, seq=int(seq))
    except StaleAction as stale:
        messages.warning(request, str(stale))
    except SaveRefused as refused:
        messages.error(request, refused.message)
        return redirect("assessments:his_result", attempt_id=attempt.pk)
    except ValueError as invalid:  # FormInvalid, or an action the service cannot take
        messages.error(request, str(invalid))
    return redirect(_page_url(attempt, screen))


def _lookups(attempt, post) -> forms.Lookups:
    """What a form's action needs from the scenario. A scan needs the current state (which
    wristbands exist, whether one was scanned): only a scan pays for a fold here."""
    definition = attempt.scenario_version.definition
    if post.get("type") == "scan":
        _scenario, state, _log = attempt_state(attempt)
        return forms.Screens(definition, state.as_dict(), zh=False, today=None).lookups()
    return forms.Screens(definition, {}, zh=False, today=None).lookups()


@login_required
@require_POST
def his_finish(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    try:
        attempt_submit(attempt=attempt, staff=attempt.staff)
    except SaveRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The practical attempt is finished."))
    return redirect("assessments:his_result", attempt_id=attempt.pk)


def _result_tasks(attempt, result: dict, zh: bool) -> list[dict]:
    tasks = {t.get("id"): t for t in attempt.scenario_version.definition.get("tasks") or ()}
    return [
        {
            **task,
            "instruction": forms.text((tasks.get(task.get("id")) or {}).get("instruction"), zh),
            "checks": [
                {**check, "text": forms.text(check.get("description"), zh)}
                for check in task.get("checks") or ()
            ],
        }
        for task in result.get("tasks") or ()
    ]


def _critical(tasks: list[dict], names: list[str]) -> list[str]:
    texts = {f"{c.get('task')}.{c.get('id')}": c["text"] for t in tasks for c in t["checks"]}
    return [texts.get(name, name) for name in names]


@login_required
@require_GET
def his_result(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if not attempt.exam.is_practical:
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    if attempt_overdue_finish(attempt=attempt):
        attempt = _own_attempt(request, attempt_id)
    if attempt.state == Attempt.State.IN_PROGRESS:
        if not attempt.scenario_version_id:  # an OSCE station, still being scored
            return redirect("assessments:exam_detail", exam_id=attempt.exam_id)
        return redirect(_page_url(attempt))
    zh = _zh()
    # Regraded from the log (the same result as stored) so the reasons are in this page's language.
    simulation = simulation_result(attempt) if attempt.scenario_version_id else {}
    tasks = _result_tasks(attempt, simulation, zh) if simulation else []
    shown = score_visible(attempt=attempt)
    allowed = review_allowed(attempt=attempt)
    return render(
        request,
        "assessments/his/result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "simulation": simulation,
            "show_total": shown,
            "review_allowed": allowed,
            "critical": _critical(tasks, simulation.get("critical_failures") or [])
            if shown
            else [],
            "tasks": tasks if allowed else [],
        },
    )
