"""The learner's exam pages: the exam's rules and past attempts, the attempt itself (one page of
questions at a time, saved by attempt.js as the learner answers), the summary before submitting,
and the review.

Attempt URLs carry an attempt id, so every attempt view first asks `learner_attempt`, which only
returns the signed-in person's own attempt (anyone else gets a 404, not a 403: an attempt id
reveals nothing). The rules (deadline, grace, sequence numbers, exactly-once submit) are the
engine's (services/attempts.py); these views only translate between HTTP and those services.
"""

import json
from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.org.selectors import staff_for_user

from ..formats.render import text_html
from ..grading import response_answer
from ..models import Attempt, AttemptQuestion, Exam, QType
from ..selectors.attempts import attempt_page as page_questions
from ..selectors.attempts import (
    learner_attempt,
    learner_attempt_for_save,
    matching_options,
    matching_rows,
    review_allowed,
    score_visible,
)
from ..services.attempts import (
    AttemptRefused,
    SaveRefused,
    answers_save,
    attempt_overdue_finish,
    attempt_start,
    attempt_submit,
    exam_availability,
)

CHOICE_TYPES = {QType.SINGLE, QType.TRUEFALSE, QType.MULTIPLE}
TEXT_TYPES = {QType.SHORTANSWER, QType.NUMERICAL, QType.ESSAY}


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def _lang(row: dict, key: str, zh: bool) -> str:
    """The Chinese text when the page is in Chinese and the trainer wrote one."""
    return (zh and row.get(f"{key}_zh")) or row.get(key) or ""


def _html(text: str, text_format: str) -> str:
    # Safe to mark: text_html sanitises every format (formats/render.py).
    return mark_safe(text_html(text, text_format))  # noqa: S308


def _iso(moment) -> str | None:
    # UTC with milliseconds: what every browser's Date.parse reads the same way.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment else None


def _published_exam(exam_id: int) -> Exam:
    exam = Exam.objects.filter(pk=exam_id, published=True).first()
    if exam is None:
        raise Http404
    return exam


def _own_attempt(request, attempt_id: int) -> Attempt:
    attempt = learner_attempt(attempt_id=attempt_id, user=request.user)
    if attempt is None:
        raise Http404
    return attempt


def _not_linked(request):
    messages.error(
        request,
        _(
            "Your sign-in is not linked to a staff record, so you cannot take exams. "
            "Ask HR to link your account."
        ),
    )


# ---------------------------------------------------------------------------------------------
# The exam's page: rules, attempts so far, Start / Continue


@login_required
@require_GET
def exam_detail(request, exam_id: int):
    exam = _published_exam(exam_id)
    member = staff_for_user(user=request.user)
    availability, attempts = None, []
    if member is not None:
        availability = exam_availability(exam=exam, staff=member)
        attempts = [a for a in availability.attempts if a.state == Attempt.State.FINISHED]
        for attempt in attempts:
            attempt.exam = exam  # the policy checks read the exam: no query per row
            attempt.reviewable = review_allowed(attempt=attempt)
            attempt.score_shown = score_visible(attempt=attempt)
    return render(
        request,
        "assessments/learner/exam_detail.html",
        {
            "exam": exam,
            "intro": _html(exam.display_intro, "moodle") if exam.display_intro else "",
            "member": member,
            "availability": availability,
            "attempts": attempts,
            "show_grades": exam.review_policy != Exam.ReviewPolicy.NEVER,
        },
    )


@login_required
@require_POST
def attempt_start_view(request, exam_id: int):
    exam = _published_exam(exam_id)
    member = staff_for_user(user=request.user)
    if member is None:
        _not_linked(request)
        return redirect("assessments:exam_detail", exam_id=exam.pk)
    if exam.is_practical and not exam.uses_simulation:
        # An OSCE station: the examiner opens the attempt when the candidate begins.
        messages.info(request, _("Your examiner starts this exam with you at the station."))
        return redirect("assessments:exam_detail", exam_id=exam.pk)
    try:
        attempt = attempt_start(exam=exam, staff=member)
    except AttemptRefused as refused:
        messages.error(request, refused.message)
        return redirect("assessments:exam_detail", exam_id=exam.pk)
    return redirect(_his_url(attempt, "his_page") or _page_url(attempt, attempt.current_page))


# ---------------------------------------------------------------------------------------------
# One page of the attempt


def _his_url(attempt, name: str) -> str | None:
    """A practical attempt in the simulated HIS has its own pages (views/his.py); an OSCE
    station's (scored by the examiner alone) has its result, and the exam page meanwhile."""
    exam = attempt.exam
    if exam.uses_simulation and attempt.scenario_version_id:
        return reverse(f"assessments:{name}", args=[attempt.pk])
    if exam.is_practical:
        if name == "his_result":
            return reverse("assessments:his_result", args=[attempt.pk])
        return reverse("assessments:exam_detail", args=[exam.pk])
    return None


def _page_url(attempt, page: int, position: int | None = None) -> str:
    url = reverse("assessments:attempt_page", args=[attempt.pk])
    url += f"?page={page}" if page else ""
    return url + (f"#q-{position}" if position is not None else "")


def _answered(response) -> bool:
    if not isinstance(response, dict):
        return False
    return bool(
        isinstance(response.get("choice"), int)
        or response.get("choices")
        or str(response.get("text") or "").strip()
        or response.get("matches")
    )


def _outline(attempt) -> list[dict]:
    """Every question of the attempt in one light query (no version content): its page, the
    number shown (descriptions are not numbered), answered and flagged, for the navigation."""
    rows = AttemptQuestion.objects.filter(attempt=attempt).order_by("position")
    outline, number = [], 0
    for position, page, flagged, seq, response, qtype in rows.values_list(
        "position", "page", "flagged", "seq", "response", "version__qtype"
    ):
        info = qtype == QType.DESCRIPTION
        number += 0 if info else 1
        outline.append(
            {
                "position": position,
                "page": page,
                "number": None if info else number,
                "info": info,
                "flagged": flagged,
                "seq": seq,
                "answered": _answered(response),
            }
        )
    return outline


def _page_number(raw, count: int, default: int) -> int:
    try:
        page = int(raw)
    except (TypeError, ValueError):
        page = default
    return min(max(page, 0), max(count - 1, 0))


def _matching_options(aq, answers: list[dict], zh: bool) -> list[tuple[int, str]]:
    """The dropdown of a matching question: (answer index, its right-hand text)."""
    shuffle = aq.attempt.exam.shuffle_answers
    return [
        (j, _lang(answers[j], "match", zh))
        for j in matching_options(attempt_question=aq, shuffle=shuffle)
    ]


def _choice_text(row: dict, qtype: str, text_format: str, zh: bool) -> str:
    text = _lang(row, "text", zh)
    if qtype == QType.TRUEFALSE and text.strip().lower() in {"true", "false"}:
        return _("True") if text.strip().lower() == "true" else _("False")
    return _html(text, text_format)


def _question(aq, number: int | None, zh: bool, review: bool = False) -> dict:
    """What the templates need for one question, in the page's language. Right answers and
    feedback only with `review` (the attempt page never has them, even hidden)."""
    content = aq.version.content
    qtype, fmt = content["qtype"], content.get("text_format", "html")
    answers = content.get("answers", [])
    response = aq.response if isinstance(aq.response, dict) else {}
    order = aq.answer_order or list(range(len(answers)))
    view = {
        "aq": aq,
        "position": aq.position,
        "number": number,
        "qtype": qtype,
        "text": _html(_lang(content, "text", zh), fmt),
        "flagged": aq.flagged,
        "seq": aq.seq,
        "max_mark": aq.max_mark,
        "answered": _answered(response),
        "options": [],
        "subquestions": [],
        "match_options": [],
        "text_value": str(response.get("text") or ""),
    }
    if qtype in CHOICE_TYPES:
        chosen = set(response.get("choices") or [])
        if isinstance(response.get("choice"), int):
            chosen.add(response["choice"])
        view["options"] = [
            {"index": i, "html": _choice_text(answers[i], qtype, fmt, zh), "checked": i in chosen}
            for i in order
            if 0 <= i < len(answers)
        ]
        if review:
            for option in view["options"]:
                row = answers[option["index"]]
                option["right"] = row.get("fraction", 0) > 0
                option["feedback"] = _feedback(row, fmt, zh) if option["checked"] else ""
    elif qtype == QType.MATCHING:
        matches = response.get("matches") or {}
        view["match_options"] = _matching_options(aq, answers, zh)
        view["subquestions"] = [
            {
                "index": i,
                "html": _html(_lang(answers[i], "text", zh), fmt),
                "chosen": matches.get(str(i)),
            }
            for i in matching_rows(attempt_question=aq)
        ]
        if review:
            for sub in view["subquestions"]:
                j = sub["chosen"]
                valid = isinstance(j, int) and 0 <= j < len(answers)
                sub["chosen_text"] = _lang(answers[j], "match", zh) if valid else ""
                sub["right_text"] = _lang(answers[sub["index"]], "match", zh)
                sub["right"] = _match_right(answers, sub["index"], sub["chosen"])
    return view


def _match_right(answers: list[dict], i: int, j) -> bool:
    return (
        isinstance(j, int) and 0 <= j < len(answers) and answers[j]["match"] == answers[i]["match"]
    )


def _feedback(row: dict, fmt: str, zh: bool) -> str:
    text = _lang(row, "feedback", zh)
    return _html(text, fmt) if text.strip() else ""


def _page_strings() -> dict:
    """The texts attempt.js shows, translated here (the page carries them as JSON)."""
    return {
        "offline": _(
            "Connection lost — your last answers are kept on this device and will be sent "
            "when the connection returns."
        ),
        "saving": _("Saving…"),
        "saved": _("All answers saved"),
        "pending_one": _("1 answer not sent yet"),
        "pending_many": _("%(count)s answers not sent yet"),
        "stay": _("You can move to another page when the connection returns."),
        "time_up": _("Time is up: your answers are being submitted."),
        "submitting": _("Submitting…"),
        "submit_failed": _("The answers could not be submitted yet. Trying again…"),
        "session": _(
            "Your session has ended. Sign in again in another tab; your answers are kept."
        ),
        "refused": _("This answer could not be saved:"),
        "question": _("Question %(number)s"),
        "answered": _("answered"),
        "flagged": _("flagged"),
    }


@login_required
@require_GET
def attempt_page(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if _his_url(attempt, "his_page"):
        return redirect(_his_url(attempt, "his_page"))
    if attempt_overdue_finish(attempt=attempt):
        messages.info(
            request, _("Time ran out: your attempt was submitted with the answers saved in time.")
        )
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    outline = _outline(attempt)
    page_count = (max(row["page"] for row in outline) + 1) if outline else 1
    page = _page_number(request.GET.get("page"), page_count, attempt.current_page)
    numbers = {row["position"]: row["number"] for row in outline}
    zh = _zh()
    questions = [
        _question(aq, numbers.get(aq.position), zh)
        for aq in page_questions(attempt=attempt, page=page)
    ]
    return render(
        request,
        "assessments/learner/attempt_page.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "questions": questions,
            "outline": outline,
            "page": page,
            "page_count": page_count,
            "pages": range(page_count),
            "deadline": _iso(attempt.deadline),
            "server_now": _iso(timezone.now()),
            "strings": _page_strings(),
        },
    )


# ---------------------------------------------------------------------------------------------
# Saving: JSON from attempt.js, or the page's form when JavaScript is off


class BadInput(ValueError):
    pass


def _json_payload(request) -> tuple[object, object]:
    """(answers, page) from a JSON body; their shape is checked by the service, which refuses
    the whole save with a ValueError (nothing written) when anything is malformed."""
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadInput(_("The request is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise BadInput(_("The request must be a JSON object."))
    return payload.get("answers", []), payload.get("page")


def _is_json(request) -> bool:
    return request.content_type == "application/json"


def _form_response(post, position: int, qtype: str):
    name = f"q-{position}"
    if qtype in {QType.SINGLE, QType.TRUEFALSE}:
        value = post.get(name, "")
        return {"choice": int(value)} if value.isdigit() else None
    if qtype == QType.MULTIPLE:
        choices = [int(v) for v in post.getlist(name) if v.isdigit()]
        return {"choices": choices} if choices else None
    if qtype in TEXT_TYPES:
        text = post.get(name, "")
        return {"text": text} if text.strip() else None
    if qtype == QType.MATCHING:
        prefix = f"{name}-"
        matches = {
            key.removeprefix(prefix): int(value)
            for key, value in post.items()
            if key.startswith(prefix) and value.isdigit()
        }
        return {"matches": matches} if matches else None
    return None


def _form_answers(post) -> list[dict]:
    """The answers of the page's plain form (no JavaScript): every question shown, with the
    sequence number the page was rendered with (stored + 1), so a page left open while another
    tab saved newer answers cannot overwrite them."""
    answers = []
    for raw in post.getlist("position"):
        if not raw.isdigit():
            raise BadInput(_("The form is incomplete; reload the page."))
        position, qtype = int(raw), post.get(f"qtype-{raw}", "")
        if qtype == QType.DESCRIPTION:
            continue
        seq = post.get(f"seq-{raw}", "")
        if not seq.isdigit():
            raise BadInput(_("The form is incomplete; reload the page."))
        answers.append(
            {
                "position": position,
                "seq": int(seq),
                "response": _form_response(post, position, qtype),
                "flagged": post.get(f"flag-{raw}") == "on",
            }
        )
    return answers


def _refused_json(attempt, refused: AttemptRefused) -> JsonResponse:
    return JsonResponse(
        {
            "error": refused.message,
            "redirect": reverse("assessments:attempt_review", args=[attempt.pk]),
        },
        status=409,
    )


def _bad_json(message) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=400)


@login_required
@require_POST
def attempt_save(request, attempt_id: int):
    if not _is_json(request):
        attempt = _own_attempt(request, attempt_id)
        return _form_save(request, attempt, staff_for_user(user=request.user))
    attempt = learner_attempt_for_save(attempt_id=attempt_id, user=request.user)
    if attempt is None:
        raise Http404
    member = attempt.staff
    try:
        answers, page = _json_payload(request)
        result = answers_save(attempt=attempt, staff=member, answers=answers, page=page)
    except SaveRefused as refused:
        return _refused_json(attempt, refused)
    except ValueError as error:  # bad shape here, or a response the question cannot take
        return _bad_json(error)
    return JsonResponse(
        {
            "accepted": result.accepted,
            "stale": result.stale,
            "deadline": _iso(result.deadline),
            "server_now": _iso(result.server_now),
        }
    )


def _goto(raw: str, current: int) -> tuple[str, int, int | None]:
    """The form's navigation button: "summary", "<page>" or "<page>:<position>"."""
    if raw == "summary":
        return "summary", current, None
    page, _sep, position = raw.partition(":")
    return (
        "page",
        int(page) if page.isdigit() else current,
        int(position) if position.isdigit() else None,
    )


def _form_save(request, attempt, member):
    current = _page_number(request.POST.get("page"), 10**6, 0)
    try:
        answers_save(
            attempt=attempt, staff=member, answers=_form_answers(request.POST), page=current
        )
    except SaveRefused as refused:
        messages.error(request, refused.message)
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(_page_url(attempt, current))
    target, page, position = _goto(request.POST.get("goto", ""), current)
    if target == "summary":
        return redirect("assessments:attempt_submit", attempt_id=attempt.pk)
    return redirect(_page_url(attempt, page, position))


# ---------------------------------------------------------------------------------------------
# Submitting


@login_required
@require_http_methods(["GET", "POST"])
def attempt_submit_view(request, attempt_id: int):
    """GET: the summary before submitting (which questions are unanswered or flagged).
    POST: submit, from that summary's form or as JSON {answers} from attempt.js."""
    attempt = _own_attempt(request, attempt_id)
    if request.method == "GET":
        return _summary(request, attempt)
    member = staff_for_user(user=request.user)
    if _is_json(request):
        try:
            answers, _page = _json_payload(request)
            attempt_submit(attempt=attempt, staff=member, answers=answers)
        except AttemptRefused as refused:
            return _refused_json(attempt, refused)
        except ValueError as error:
            return _bad_json(error)
        return JsonResponse(
            {"finished": True, "redirect": reverse("assessments:attempt_review", args=[attempt.pk])}
        )
    try:
        attempt_submit(attempt=attempt, staff=member)
    except AttemptRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your answers were submitted."))
    return redirect("assessments:attempt_review", attempt_id=attempt.pk)


def _summary(request, attempt):
    if attempt_overdue_finish(attempt=attempt) or attempt.state != Attempt.State.IN_PROGRESS:
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    outline = _outline(attempt)
    questions = [row for row in outline if not row["info"]]
    return render(
        request,
        "assessments/learner/attempt_summary.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "outline": questions,
            "unanswered": [row for row in questions if not row["answered"]],
            "flagged": [row for row in questions if row["flagged"]],
            "deadline": _iso(attempt.deadline),
        },
    )


# ---------------------------------------------------------------------------------------------
# Review


def _review_state(aq) -> str:
    if aq.needs_grading:
        return "pending"
    if aq.fraction is None:
        return "ungraded"
    if aq.fraction >= 1:
        return "right"
    return "partial" if aq.fraction > 0 else "wrong"


def _right_texts(content: dict, zh: bool) -> list[str]:
    """The answers worth full marks, as the review states them ("5 ± 0.5" for numbers)."""
    texts = []
    for row in content.get("answers", []):
        if row.get("fraction", 0) < 1:
            continue
        text = _lang(row, "text", zh)
        if content["qtype"] == QType.NUMERICAL and row.get("tolerance"):
            text = f"{text} ± {row['tolerance']:g}"
        texts.append(text)
    return texts


def _review_question(aq, number: int | None, zh: bool) -> dict:
    content = aq.version.content
    fmt = content.get("text_format", "html")
    view = _question(aq, number, zh, review=True)
    general = {
        "feedback": content.get("general_feedback", ""),
        "feedback_zh": content.get("general_feedback_zh", ""),
    }
    matched = response_answer(content, aq.response)
    view.update(
        answer_feedback=_feedback(content["answers"][matched], fmt, zh)
        if matched is not None
        else "",
        state=_review_state(aq),
        mark=aq.mark,
        general_feedback=_feedback(general, fmt, zh),
        right_texts=_right_texts(content, zh),
        grader_comment=aq.grader_comment,
    )
    return view


@login_required
@require_GET
def attempt_review(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if _his_url(attempt, "his_result"):
        return redirect(_his_url(attempt, "his_result"))
    if attempt_overdue_finish(attempt=attempt):
        attempt = _own_attempt(request, attempt_id)
    if attempt.state == Attempt.State.IN_PROGRESS:
        return redirect(_page_url(attempt, attempt.current_page))
    exam = attempt.exam
    allowed = review_allowed(attempt=attempt)
    questions = []
    if allowed:  # nothing about the questions leaves the server before the policy allows
        zh, number = _zh(), 0
        for aq in attempt.questions.select_related("version").order_by("position"):
            info = aq.version.qtype == QType.DESCRIPTION
            number += 0 if info else 1
            questions.append(_review_question(aq, None if info else number, zh))
    return render(
        request,
        "assessments/learner/attempt_review.html",
        {
            "attempt": attempt,
            "exam": exam,
            "review_allowed": allowed,
            "show_total": score_visible(attempt=attempt),
            "questions": questions,
        },
    )
