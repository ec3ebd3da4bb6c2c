"""Playing SCORM lessons: the player page, the runtime's commits, and the package files.

The package's files are served from this origin (not a CDN or another host) because SCORM
content looks for the run-time API in `window.parent`, which a cross-origin frame cannot read.
"""

import json

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.static import serve

from portal.org.selectors import staff_for_user

from ..models import ScormPackage
from ..selectors.scorm import scorm_content_visible, scorm_lesson_get, scorm_player_state
from ..services.scorm import (
    SCORM_MAX_CMI_BYTES,
    ScormCommitError,
    scorm_commit,
    scorm_may_manage,
    scorm_package_path,
    scorm_record_status,
    scorm_restore,
    scorm_safe_path,
    scorm_sco_status,
)

# SCORM's own answer for "the LMS could not store the data".
GENERAL_COMMIT_FAILURE = 391


@never_cache
@login_required
@require_GET
def scorm_player(request, pk: int):
    """The lesson's package in a frame, with the run-time API the content talks to. Staff on
    the roster play for the record; a trainer without a staff record gets a preview."""
    lesson = scorm_lesson_get(lesson_id=pk)
    member = staff_for_user(user=request.user)
    if member is None and not scorm_may_manage(request.user):
        raise PermissionDenied
    state = scorm_player_state(
        viewer=request.user,
        staff=member,
        lesson=lesson,
        commit_url=reverse("courses:scorm_commit", args=[lesson.pk]),
        csrf_token=get_token(request),
    )
    return render(
        request,
        "courses/scorm/player.html",
        {"state": state, "lesson": lesson, "lesson_url": lesson.get_url(request)},
    )


def _failure(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"result": "false", "errorCode": GENERAL_COMMIT_FAILURE, "error": message}, status=status
    )


@login_required
@require_POST
def scorm_commit_view(request, pk: int):
    """Store a commit from the runtime (JSON: {"sco", "terminate", "cmi"}); answers in the
    shape scorm-again expects, plus the lesson's status for the player."""
    member = staff_for_user(user=request.user)
    if member is None:
        return _failure(_("Only staff on the roster have progress to record."), 403)
    lesson = scorm_lesson_get(lesson_id=pk)
    if len(request.body) > 2 * SCORM_MAX_CMI_BYTES:
        return _failure(_("The data sent is too large."), 413)
    try:
        payload = json.loads(request.body or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        sco = payload.get("sco") or None
        if sco is not None and not isinstance(sco, str):
            raise ValueError("sco must be a string")
        record = scorm_commit(
            staff=member,
            lesson=lesson,
            cmi=payload.get("cmi") or {},
            sco=sco,
            terminate=bool(payload.get("terminate")),
        )
    except (ValueError, UnicodeDecodeError, ScormCommitError) as exc:
        return _failure(_("The data could not be stored: %(error)s") % {"error": exc}, 400)
    package = lesson.scorm_package
    _status, complete = scorm_record_status(package, record.cmi)
    item_id = sco or package.manifest.get("launch_item")
    return JsonResponse(
        {
            "result": "true",
            "errorCode": 0,
            "completion_status": record.completion_status,
            "success_status": record.success_status,
            "score": record.score,
            "lesson_complete": complete,
            "item": item_id,
            "item_done": scorm_sco_status(package.version, record.cmi.get(item_id, {})).done,
            "restore": scorm_restore(
                package, record.cmi.get(item_id, {}), staff=member, name=member.full_name
            ),
        }
    )


@login_required
@require_safe
@xframe_options_sameorigin
@csp_update({"script-src": ["'unsafe-inline'", "'unsafe-eval'"]})  # third-party e-learning
def scorm_content(request, package_id: int, path: str):
    """A file of an extracted package (GET/HEAD; conditional requests answer 304)."""
    if not scorm_content_visible(viewer=request.user, package_id=package_id):
        raise Http404
    package = ScormPackage.objects.only("pk", "folder").get(pk=package_id)
    safe = scorm_safe_path(path)
    if not package.folder or not safe:
        raise Http404
    response = serve(request, safe, document_root=scorm_package_path(package))
    response["Cache-Control"] = "private, max-age=3600"
    return response
