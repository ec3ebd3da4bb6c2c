"""HR's reads of proficiency records: the search over the certification status table and the
transcript of one person (everything that counts for a promotion round, on one page).

Only holders of `records.view_hr_records` (the HR role, superusers) search and read other
people's transcripts; everyone reads their own. Every read here costs a fixed number of queries
whatever the size of the hospital or of the person's history.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from assessments.models import (
    Attempt,
    Certificate,
    CertificationStatus,
    Exam,
    ProficiencyRecord,
)
from assessments.proficiency import DEFAULT_LEVELS
from courses.models import Assignment, CourseProgress
from portal.org.models import StaffMember
from portal.org.selectors import department_subtree_ids

HR_PERMISSION = "records.view_hr_records"
LEVELS = {level.code: level for level in DEFAULT_LEVELS}
FILTER_KEYS = (
    "department",
    "job_role",
    "track",
    "title",
    "level",
    "status",
    "certified_from",
    "certified_to",
)


def may_see_hr_records(viewer) -> bool:
    return bool(viewer and viewer.is_authenticated and viewer.has_perm(HR_PERMISSION))


def viewer_lang() -> str:
    return "zh" if (get_language() or "").startswith("zh") else "en"


def level_label(code: str) -> str:
    level = LEVELS.get(code or "")
    return level.label(viewer_lang()) if level else ""


# ---------------------------------------------------------------------------------------------
# Search


def _as_date(value) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_id(value) -> int | None:
    return int(value) if value not in (None, "") else None


def hr_filters_clean(filters: dict) -> dict:
    """The filters as stored with an export (JSON: ids and ISO dates), dropping empty ones.
    Raises ValueError for a value of the wrong kind (a tampered request)."""
    clean: dict[str, Any] = {}
    for key in ("department", "job_role", "track"):
        if (value := _as_id(filters.get(key))) is not None:
            clean[key] = value
    for key in ("title", "level", "status"):
        if value := str(filters.get(key) or "").strip():
            clean[key] = value
    if clean.get("level") and clean["level"] not in LEVELS:
        raise ValueError(f"unknown level {clean['level']!r}")
    if clean.get("status") and clean["status"] not in CertificationStatus.Status.values:
        raise ValueError(f"unknown status {clean['status']!r}")
    for key in ("certified_from", "certified_to"):
        if value := _as_date(filters.get(key)):
            clean[key] = value.isoformat()
    return clean


def hr_status_search(*, viewer, filters: dict) -> QuerySet:
    """Certification status rows matching HR's filters (unordered, nothing joined yet).
    The department filter takes in its sub-departments; the period is `certified_on`."""
    if not may_see_hr_records(viewer):
        raise PermissionDenied
    filters = hr_filters_clean(filters)
    rows = CertificationStatus.objects.all()
    if "department" in filters:
        rows = rows.filter(department_id__in=department_subtree_ids([filters["department"]]))
    if "job_role" in filters:
        rows = rows.filter(job_role_id=filters["job_role"])
    if "track" in filters:
        rows = rows.filter(track_id=filters["track"])
    if "title" in filters:
        rows = rows.filter(staff__title__icontains=filters["title"])
    if "level" in filters:
        rows = rows.filter(level=filters["level"])
    if "status" in filters:
        rows = rows.filter(status=filters["status"])
    if "certified_from" in filters:
        rows = rows.filter(certified_on__gte=filters["certified_from"])
    if "certified_to" in filters:
        rows = rows.filter(certified_on__lte=filters["certified_to"])
    return rows


def hr_status_rows_ordered(rows: QuerySet) -> QuerySet:
    """The rows for the result table: department, then name (then track), everything the table
    shows joined in the same query."""
    return rows.select_related("staff", "track", "department", "job_role").order_by(
        "department__code", "staff__full_name", "staff_id", "track__code"
    )


def hr_level_counts(rows: QuerySet) -> list[dict]:
    """Matching rows per proficiency level, lowest level first, every level present (one
    GROUP BY query); rows without a score yet are counted as level ""."""
    counts = dict(rows.order_by().values_list("level").annotate(n=Count("pk")))
    result = [
        {"code": code, "label": level.label(viewer_lang()), "count": counts.get(code, 0)}
        for code, level in LEVELS.items()
    ]
    unscored = sum(n for code, n in counts.items() if code not in LEVELS)
    return result + [{"code": "", "label": "", "count": unscored}]


# ---------------------------------------------------------------------------------------------
# Transcript


@dataclass
class TranscriptSection:
    """A section another app adds to the transcript (rendered only when it has rows)."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""


# Providers of extra transcript sections: callables (staff) -> TranscriptSection or None. The
# seed-user app appends its "Seed-user service" provider here (in its AppConfig.ready), so the
# records app never imports it. A provider must cost a fixed number of queries.
TRANSCRIPT_SECTIONS: list[Callable[[StaffMember], TranscriptSection | None]] = []
# Providers of marks shown beside a person's name in HR search results and on the transcript:
# callables (staff ids) -> {staff id: label}, one query each. The seed-user app adds "Seed
# user" for people who serve or served as one.
STAFF_MARKS: list[Callable[[list[int]], dict[int, str]]] = []


def staff_marks(staff_ids: list[int]) -> dict[int, list[str]]:
    marks: dict[int, list[str]] = {}
    for provider in STAFF_MARKS:
        for staff_id, label in provider(staff_ids).items():
            marks.setdefault(staff_id, []).append(label)
    return marks


@dataclass
class TrackProficiency:
    track: Any
    status: CertificationStatus | None
    score: Any
    level: str
    level_label: str
    complete: bool
    records: list  # oldest first
    explanation: list[str]  # the latest record's lines, in the viewer's language


@dataclass
class Transcript:
    staff: StaffMember
    assignments: list[dict]
    courses: list[CourseProgress]
    knowledge: list[Attempt]
    practical: list[Attempt]
    certificates: list[dict]
    tracks: list[TrackProficiency]
    sections: list[TranscriptSection] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    today: date = field(default_factory=timezone.localdate)


def may_see_transcript_of(viewer, staff: StaffMember) -> bool:
    if not viewer.is_authenticated:
        return False
    return staff.user_id == viewer.pk or may_see_hr_records(viewer)


def transcript_staff_get(*, viewer, pk: int) -> StaffMember:
    """The person whose transcript is asked for, or 404 when it does not exist or the viewer
    may not read it (the two look the same: an id says nothing about a colleague)."""
    staff = StaffMember.objects.select_related("department", "job_role", "shift").filter(pk=pk)
    staff = staff.first()
    if staff is None or not may_see_transcript_of(viewer, staff):
        raise Http404
    return staff


def _assignments(staff) -> list[dict]:
    """Required and assigned items with their titles: one query for the assignments, one per
    kind of item (courses today; exams may follow), whatever their number."""
    assignments = list(staff.assignments.select_related("curriculum").order_by("due_date", "pk"))
    by_type: dict[int, set] = {}
    for assignment in assignments:
        by_type.setdefault(assignment.content_type_id, set()).add(assignment.object_id)
    items = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()  # cached by Django
        for item in model._default_manager.filter(pk__in=ids) if model else []:
            items[(type_id, item.pk)] = item
    result = []
    for assignment in assignments:
        item = items.get((assignment.content_type_id, assignment.object_id))
        result.append(
            {
                "assignment": assignment,
                "title": getattr(item, "label", None) or str(item or "—"),
                "withdrawn": assignment.status == Assignment.Status.WITHDRAWN,
            }
        )
    return result


def _attempts(staff) -> tuple[list, list]:
    attempts = (
        Attempt.objects.filter(staff=staff)
        .select_related("exam", "rubric_score")
        .order_by("exam__title", "exam_id", "number")
    )
    knowledge, practical = [], []
    for attempt in attempts:
        (practical if attempt.exam.kind == Exam.Kind.PRACTICAL else knowledge).append(attempt)
    return knowledge, practical


def _certificates(staff, today: date) -> list[dict]:
    certificates = list(
        Certificate.objects.filter(staff=staff)
        .select_related("revoked_by")
        .prefetch_related("replaced_by")
        .order_by("-issued_at", "-pk")
    )
    return [
        {
            "certificate": cert,
            "state": cert.state_on(today),
            "replaced_by": [c.code for c in cert.replaced_by.all()],
        }
        for cert in certificates
    ]


def _tracks(staff, lang: str) -> list[TrackProficiency]:
    statuses = {
        row.track_id: row
        for row in CertificationStatus.objects.filter(staff=staff).select_related("track")
    }
    records: dict[int, list] = {}
    tracks = {row.track_id: row.track for row in statuses.values()}
    history = ProficiencyRecord.objects.filter(staff=staff).select_related("track")
    for record in history.order_by("track_id", "at", "pk"):
        record.level_label = level_label(record.level)
        records.setdefault(record.track_id, []).append(record)
        tracks.setdefault(record.track_id, record.track)
    result = []
    for track_id, track in sorted(tracks.items(), key=lambda item: item[1].code):
        status, rows = statuses.get(track_id), records.get(track_id, [])
        latest = rows[-1] if rows else None
        if status is not None and status.score is not None:
            score, level, complete = status.score, status.level, status.score_complete
        elif latest is not None:
            score, level, complete = latest.score, latest.level, latest.complete
        else:
            score, level, complete = None, "", False
        lines = (latest.explanation or {}) if latest else {}
        result.append(
            TrackProficiency(
                track=track,
                status=status,
                score=score,
                level=level,
                level_label=level_label(level),
                complete=complete,
                records=rows,
                explanation=list(lines.get(lang) or lines.get("en") or []),
            )
        )
    return result


def transcript_build(*, staff: StaffMember) -> Transcript:
    """Everything HR weighs for a promotion: courses, every exam attempt (excluded ones too,
    with who excluded them and why), certificates (revoked and replaced ones too) and the
    proficiency per track with its history. Access is checked by `transcript_staff_get`."""
    today = timezone.localdate()
    knowledge, practical = _attempts(staff)
    courses = list(
        CourseProgress.objects.filter(staff=staff, completed_at__isnull=False)
        .select_related("course")
        .order_by("completed_at", "pk")
    )
    sections = [section for provider in TRANSCRIPT_SECTIONS if (section := provider(staff))]
    return Transcript(
        staff=staff,
        assignments=_assignments(staff),
        courses=courses,
        knowledge=knowledge,
        practical=practical,
        certificates=_certificates(staff, today),
        tracks=_tracks(staff, viewer_lang()),
        sections=[section for section in sections if section.rows],
        marks=staff_marks([staff.pk]).get(staff.pk, []),
        today=today,
    )
