"""Reads for SCORM playback: the lesson to play, what the player starts with, and the packages
a trainer manages. A learner only ever reads their own run-time data."""

from dataclasses import dataclass, field

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import CoursePage, LessonPage, ScormPackage, ScormRecord
from ..services.scorm import (
    scorm_may_manage,
    scorm_record_status,
    scorm_required_items,
    scorm_restore,
    scorm_sco_status,
)


def scorm_lesson_get(*, lesson_id: int) -> LessonPage:
    """A live lesson of a live course that plays a SCORM package, or 404."""
    lesson = (
        LessonPage.objects.live()
        .filter(pk=lesson_id, scorm_package__isnull=False)
        .select_related("scorm_package")
        .first()
    )
    if lesson is None or not CoursePage.objects.live().parent_of(lesson).exists():
        raise Http404
    return lesson


def scorm_content_visible(*, viewer, package_id: int) -> bool:
    """A package's files may be fetched by anyone signed in while a live lesson plays it, and
    by the trainers who manage packages at any time (to check an upload)."""
    if not viewer.is_authenticated:
        return False
    if scorm_may_manage(viewer):
        return ScormPackage.objects.filter(pk=package_id).exists()
    return LessonPage.objects.live().filter(scorm_package_id=package_id).exists()


def scorm_content_url(package: ScormPackage, href: str) -> str:
    """The same-origin URL of a file inside an extracted package; keeps the href's query
    string (item parameters) and fragment."""
    path, sep, rest = href.partition("?")
    if not sep:
        path, sep, rest = href.partition("#")
    url = reverse("courses:scorm_content", kwargs={"package_id": package.pk, "path": path})
    return url + sep + rest


@dataclass
class PlayerItem:
    id: str
    title: str
    depth: int
    url: str = ""
    sco: bool = False
    required: bool = False
    done: bool = False


@dataclass
class PlayerState:
    lesson: LessonPage
    package: ScormPackage
    preview: bool
    items: list[PlayerItem]
    current: str
    complete: bool
    record: ScormRecord | None
    config: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """not_started, in_progress or complete, for the badge."""
        if self.complete:
            return "complete"
        if self.record and self.record.cmi:
            return "in_progress"
        return "not_started"

    @property
    def menu(self) -> bool:
        """Several things to open: show the package's table of contents."""
        return sum(1 for item in self.items if item.url) > 1


def scorm_player_state(*, viewer, staff, lesson: LessonPage, commit_url: str, csrf_token: str):
    """Everything the player page needs. `staff` None means a trainer's preview: nothing is
    recorded."""
    package = lesson.scorm_package
    record = ScormRecord.objects.filter(staff=staff, lesson=lesson).first() if staff else None
    stored = record.cmi if record else {}
    required = {item["id"] for item in scorm_required_items(package)}
    items = []
    for entry in package.manifest.get("items", []):
        if not entry.get("visible", True):
            continue
        href = entry.get("href", "")
        status = scorm_sco_status(package.version, stored.get(entry["id"], {}))
        items.append(
            PlayerItem(
                id=entry["id"],
                title=entry.get("title", ""),
                depth=min(int(entry.get("depth", 0)), 6),
                url=scorm_content_url(package, href) if href else "",
                sco=bool(entry.get("sco")),
                required=entry["id"] in required,
                done=status.done,
            )
        )
    launchable = [item for item in items if item.url]
    # Resume at the first required item not done yet; else start where the package starts.
    current = next(
        (i.id for i in launchable if i.required and not i.done),
        package.manifest.get("launch_item") or (launchable[0].id if launchable else ""),
    )
    _status, complete = scorm_record_status(package, stored)
    name = staff.full_name if staff else str(viewer)
    config = {
        "version": package.version,
        "commitUrl": "" if staff is None else commit_url,
        "csrfToken": csrf_token,
        "current": current,
        "items": [
            {"id": i.id, "title": i.title, "url": i.url, "sco": i.sco, "done": i.done}
            for i in launchable
        ],
        "restore": {
            i.id: scorm_restore(package, stored.get(i.id, {}), staff=staff, name=name)
            for i in launchable
        },
        "complete": complete,
        "text": {
            "saved": _("Progress saved."),
            "saveFailed": _(
                "Your progress could not be saved. Check the connection; it is sent again "
                "with the next change."
            ),
            "complete": _("Lesson complete."),
            "finished": _("You have left the content. Your progress is saved."),
            "finishedPreview": _("You have left the content (preview: nothing was recorded)."),
            "statusComplete": _("Complete"),
            "statusProgress": _("In progress"),
            # Formatted here only to turn %% into %; the browser fills in the score.
            "score": _("score %(score)s%%") % {"score": "%(score)s"},
            "next": _("Next: %(title)s"),
        },
    }
    return PlayerState(
        lesson=lesson,
        package=package,
        preview=staff is None,
        items=items,
        current=current,
        complete=complete,
        record=record,
        config=config,
    )


def scorm_packages_managed(*, viewer):
    """The packages list of the admin, with who uploaded each."""
    if not scorm_may_manage(viewer):
        return ScormPackage.objects.none()
    return ScormPackage.objects.select_related("uploaded_by").order_by("-created_at")
