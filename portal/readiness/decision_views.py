"""Go / no-go decision pages, the evidence pack downloads and post-go-live evaluations. Thin:
the logic is in decisions.py; every page of a decision reads its frozen evidence."""

import secrets
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from portal.exports import XLSX_CONTENT_TYPE, _xlsx_cell
from portal.pdf import pdf_render, pdf_response
from portal.records.services import audit_record, client_ip

from . import decisions, selectors
from .models import Criterion, Decision, Evaluation
from .views import readiness_required

CONDITION_ROWS = 3


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _columns():
    return list(Criterion.Kind.choices)


# ---------------------------------------------------------------------------------------------
# Recording a decision


def _conditions_posted(post) -> list[dict]:
    """The filled condition rows of the form (a row left wholly empty is not a condition)."""
    rows = []
    for i in range(CONDITION_ROWS):
        text = post.get(f"condition_text_{i}", "").strip()
        owner = post.get(f"condition_owner_{i}", "").strip()
        due_raw = post.get(f"condition_due_{i}", "").strip()
        if not (text or owner or due_raw):
            continue
        try:
            due = parse_date(due_raw) if due_raw else None
        except ValueError:
            due = None
        rows.append({"text": text, "owner": owner, "due_date": due, "due_raw": due_raw})
    return rows


@readiness_required
def decision_new(request, pk: int):
    if not selectors.may_decide(request.user):
        raise PermissionDenied
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    errors: list[str] = []
    posted = {"outcome": "", "rationale": "", "conditions": []}
    if request.method == "POST":
        conditions = _conditions_posted(request.POST)
        posted = {
            "outcome": request.POST.get("outcome", ""),
            "rationale": request.POST.get("rationale", ""),
            "conditions": conditions,
        }
        try:
            decision = decisions.decision_record(
                actor=request.user,
                wave=wave,
                outcome=posted["outcome"],
                rationale=posted["rationale"],
                conditions=[{k: c[k] for k in ("text", "owner", "due_date")} for c in conditions],
                token=request.POST.get("token", ""),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The decision is recorded with its evidence."))
            return redirect("readiness:decision_detail", decision.pk)
    today = timezone.localdate()
    readiness = selectors.wave_readiness_for(viewer=request.user, wave=wave, today=today)
    rows = posted["conditions"] + [{}] * max(0, CONDITION_ROWS - len(posted["conditions"]))
    return render(
        request,
        "readiness/decision_new.html",
        {
            "wave": wave,
            "readiness": readiness,
            "columns": _columns(),
            "errors": errors,
            "posted": posted,
            "condition_rows": [(i, row) for i, row in enumerate(rows[:CONDITION_ROWS])],
            "outcomes": Decision.Outcome.choices,
            "token": request.POST.get("token") or secrets.token_hex(16),
            "earlier": decisions.evaluations_earlier(wave=wave),
            "measures": dict(Evaluation.Measure.choices),
            "today": today,
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Reading decisions


@readiness_required
def decision_list(request, pk: int):
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    rows = list(decisions.decisions_for_wave(viewer=request.user, wave=wave))
    return render(
        request,
        "readiness/decision_list.html",
        {"wave": wave, "decisions": rows, "may_decide": selectors.may_decide(request.user)},
    )


def _pack_context(request, decision: Decision) -> dict:
    evidence = decisions.evidence_for_viewer(viewer=request.user, evidence=decision.evidence)
    return {
        "decision": decision,
        "evidence": evidence,
        "columns": _columns(),
        "measures": dict(Evaluation.Measure.choices),
    }


@readiness_required
def decision_detail(request, pk: int):
    decision = decisions.decision_get(viewer=request.user, pk=pk)
    signoffs = list(decision.signoffs.select_related("user"))
    context = {
        **_pack_context(request, decision),
        "conditions": list(decision.conditions.all()),
        "signoffs": signoffs,
        "signed": any(s.user_id == request.user.pk for s in signoffs),
        "may_decide": selectors.may_decide(request.user),
        "sha_ok": decisions.evidence_sha256(decision.evidence) == decision.evidence_sha256,
    }
    return render(request, "readiness/decision_detail.html", context)


def _download_audit(request, decision: Decision, fmt: str) -> None:
    audit_record(
        action="readiness.evidence_download",
        actor=request.user,
        obj=decision,
        after={"format": fmt, "evidence_sha256": decision.evidence_sha256},
        ip=client_ip(request),
    )


def _filename(decision: Decision, ext: str) -> str:
    return f"evidence-wave{decision.wave_id}-decision{decision.pk}.{ext}"


@readiness_required
def decision_pdf(request, pk: int):
    decision = decisions.decision_get(viewer=request.user, pk=pk)
    context = {
        **_pack_context(request, decision),
        "conditions": list(decision.conditions.all()),
        "signoffs": list(decision.signoffs.select_related("user")),
    }
    content = pdf_render("readiness/pdf/evidence_pack.html", context)
    _download_audit(request, decision, "pdf")
    return pdf_response(content, _filename(decision, "pdf"))


def _sheets(decision: Decision, evidence: dict):
    """(title, header, rows) of the workbook, from the frozen evidence only."""
    wave = evidence.get("wave", {})
    summary = [
        (_("Wave"), wave.get("name")),
        (_("Wave (Chinese)"), wave.get("name_zh")),
        (_("Go-live date"), wave.get("go_live_date")),
        (_("Status"), wave.get("status_label")),
        (_("Decision"), decision.get_outcome_display()),
        (_("Rationale"), decision.rationale),
        (_("Decided by"), decision.decided_by.email),
        (_("Decided at"), decision.decided_at),
        (_("Evidence generated at"), evidence.get("generated_at")),
        (_("Evidence SHA-256"), decision.evidence_sha256),
        (_("Readiness"), evidence.get("rag")),
        (_("Rule"), evidence.get("rule")),
    ]
    for v in evidence.get("values", []):
        summary.append(
            (v["label"], f"{v['value'] if v['value'] is not None else '–'} ({v['rag']})")
        )
    for c in evidence.get("criteria", []):
        role = f" · {c['job_role']['code']}" if c.get("job_role") else ""
        summary.append((_("Threshold") + f": {c['label']}{role}", f"{c['green']} / {c['amber']}"))
    yield _("Summary"), [_("Item"), _("Value")], summary
    kinds = [k for k, _label in Criterion.Kind.choices]
    labels = dict(Criterion.Kind.choices)

    def by_kind(values):
        found = {v["kind"]: v for v in values}
        out = []
        for k in kinds:
            v = found.get(k)
            out += [_number(v["value"]) if v else None, v["rag"] if v else None]
        return out

    kind_header = [h for k in kinds for h in (str(labels[k]), str(labels[k]) + " RAG")]
    yield (
        _("Departments"),
        [_("Code"), _("Department"), _("Readiness"), _("People"), *kind_header],
        [
            [d["code"], d["name"], d["rag"], d["counts"]["rows"], *by_kind(d["values"])]
            for d in evidence.get("departments", [])
        ],
    )
    cells = evidence.get("cells", [])

    def code(named):
        return named["code"] if named else ""

    yield (
        _("Cells"),
        [_("Department"), _("Job role"), _("Shift"), _("Readiness"), _("People"), *kind_header],
        [
            [
                code(c["department"]),
                code(c["job_role"]),
                code(c["shift"]),
                c["rag"],
                c["counts"]["rows"],
                *by_kind(c["values"]),
            ]
            for c in cells
        ],
    )
    yield (
        _("People"),
        [
            _("Department"),
            _("Job role"),
            _("Shift"),
            _("Employee no."),
            _("Name"),
            _("Track"),
            _("Certification status"),
            _("Valid until"),
            _("Score"),
            _("First practical passed"),
            _("Overdue assignments"),
        ],
        (
            [
                code(c["department"]),
                code(c["job_role"]),
                code(c["shift"]),
                p["employee_no"],
                p["name"],
                p["track"],
                p["status"],
                p["valid_until"],
                _number(p["score"]),
                p["practical_first_passed"],
                p["overdue_assignments"],
            ]
            for c in cells
            for p in c["people"]
        ),
    )


def _number(text):
    return None if text is None else float(text)


@readiness_required
def decision_xlsx(request, pk: int):
    decision = decisions.decision_get(viewer=request.user, pk=pk)
    evidence = decisions.evidence_for_viewer(viewer=request.user, evidence=decision.evidence)
    workbook = Workbook(write_only=True)
    for title, header, rows in _sheets(decision, evidence):
        sheet = workbook.create_sheet(title=str(title)[:31])
        sheet.append([_xlsx_cell(sheet, str(h)) for h in header])
        for row in rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
    # A zip is written with seeks: a temporary file, not the wire.
    stream = tempfile.TemporaryFile()
    workbook.save(stream)
    stream.seek(0)
    _download_audit(request, decision, "xlsx")
    return FileResponse(
        stream,
        as_attachment=True,
        filename=_filename(decision, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


# ---------------------------------------------------------------------------------------------
# Sign-offs and conditions


@readiness_required
@require_POST
def decision_signoff(request, pk: int):
    decision = decisions.decision_get(viewer=request.user, pk=pk)
    try:
        decisions.signoff_add(
            actor=request.user,
            decision=decision,
            capacity=request.POST.get("capacity", ""),
            comment=request.POST.get("comment", ""),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Your sign-off is recorded."))
    return redirect("readiness:decision_detail", decision.pk)


@readiness_required
@require_POST
def condition_mark_done(request, pk: int):
    condition = decisions.condition_get(viewer=request.user, pk=pk)
    decisions.condition_done(actor=request.user, condition=condition, ip=client_ip(request))
    messages.success(request, _("The condition is marked done."))
    return redirect("readiness:decision_detail", condition.decision_id)


# ---------------------------------------------------------------------------------------------
# Post-go-live evaluation


@readiness_required
def evaluation_page(request, pk: int):
    wave = selectors.wave_get(viewer=request.user, pk=pk)
    may_record = selectors.may_decide(request.user)
    errors: list[str] = []
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        saved = 0
        for measure, _label in Evaluation.Measure.choices:
            before = request.POST.get(f"{measure}_before", "").strip()
            after = request.POST.get(f"{measure}_after", "").strip()
            note = request.POST.get(f"{measure}_note", "")
            if not (before or after):
                continue
            try:
                decisions.evaluation_record(
                    actor=request.user,
                    wave=wave,
                    measure=measure,
                    before=before,
                    after=after,
                    note=note,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                errors += _errors(exc)
            else:
                saved += 1
        if not errors:
            if saved:
                messages.success(request, _("The evaluation is recorded."))
            else:
                messages.error(request, _("Enter before and after values of a measure."))
            return redirect("readiness:evaluations", wave.pk)
    return render(
        request,
        "readiness/evaluation_list.html",
        {
            "wave": wave,
            "rows": decisions.evaluations_for_wave(wave=wave),
            "may_record": may_record,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
