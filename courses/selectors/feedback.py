"""Reads of the feedback loop, scoped to the person asking: a learner sees their own rating and
reports; trainers and administrators see everyone's. Every list here costs a fixed number of
queries whatever the number of ratings or reports."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from ..models import CoursePage, CourseRating, LessonPage, ProblemReport
from ..services.feedback import may_triage

LATEST_COMMENTS = 3
STARS = (5, 4, 3, 2, 1)


# ---------------------------------------------------------------------------------------------
# The learner's own feedback (shown under the course and lesson pages)


def rating_own(*, viewer, course: CoursePage) -> CourseRating | None:
    if not viewer.is_authenticated or course.pk is None:
        return None
    return CourseRating.objects.filter(course=course, staff__user=viewer).first()


def problem_reports_own(*, viewer, lesson: LessonPage, limit: int = 3) -> list[ProblemReport]:
    """The viewer's latest reports on a lesson, so they see what became of them."""
    if not viewer.is_authenticated or lesson.pk is None:
        return []
    return list(
        ProblemReport.objects.filter(lesson=lesson, staff__user=viewer).order_by("-created_at")[
            :limit
        ]
    )


# ---------------------------------------------------------------------------------------------
# Triage (trainers and administrators)


def _lessons_of(course: CoursePage) -> Q:
    """Lessons are the children of their course in Wagtail's page tree."""
    return Q(lesson__path__startswith=course.path, lesson__depth=course.depth + 1)


def problem_reports_visible(*, viewer) -> QuerySet:
    if not may_triage(viewer):
        return ProblemReport.objects.none()
    return ProblemReport.objects.all()


def problem_reports_triage(
    *, viewer, status: str = "", course: CoursePage | None = None
) -> QuerySet:
    """Reports for the triage list, newest first, with what each row shows joined in."""
    reports = (
        problem_reports_visible(viewer=viewer)
        .select_related("staff__department", "lesson", "resolved_by")
        .defer("lesson__body")
    )
    if status in ProblemReport.Status.values:
        reports = reports.filter(status=status)
    if course is not None:
        reports = reports.filter(_lessons_of(course))
    return reports.order_by("-created_at", "-pk")


def problem_report_counts(*, viewer, course: CoursePage | None = None) -> dict:
    reports = problem_reports_visible(viewer=viewer)
    if course is not None:
        reports = reports.filter(_lessons_of(course))
    counts = reports.aggregate(
        open=Count("pk", filter=Q(status=ProblemReport.Status.OPEN)),
        resolved=Count("pk", filter=Q(status=ProblemReport.Status.RESOLVED)),
    )
    return {"open": counts["open"] or 0, "resolved": counts["resolved"] or 0}


def problem_report_get(*, viewer, pk: int) -> ProblemReport:
    """One report, or 404 when it does not exist or the viewer may not triage."""
    report = problem_reports_visible(viewer=viewer).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def reports_with_courses(reports) -> list[ProblemReport]:
    """Attach `course` (the lesson's parent page) to each report, in one query."""
    reports = list(reports)
    parent_paths = {r.lesson.path[: -CoursePage.steplen] for r in reports}
    courses = {
        c.path: c
        for c in CoursePage.objects.filter(path__in=parent_paths).only(
            "pk", "title", "title_zh", "path", "depth", "url_path"
        )
    }
    for report in reports:
        report.course = courses.get(report.lesson.path[: -CoursePage.steplen])
    return reports


def courses_for_filter() -> QuerySet:
    """Every course (drafts too: their lessons may have been reported before unpublishing)."""
    return CoursePage.objects.only("pk", "title", "title_zh", "path", "depth").order_by("title")


# ---------------------------------------------------------------------------------------------
# Ratings


@dataclass
class RatingSummary:
    course_id: int
    title: str
    title_zh: str
    average: float
    count: int
    distribution: list[tuple[int, int, int]]  # (stars, count, percent of the largest bar)
    comments: list[CourseRating] = field(default_factory=list)

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        if self.title_zh and (get_language() or "").startswith("zh"):
            return self.title_zh
        return self.title


def _summaries(rows) -> list[RatingSummary]:
    summaries = []
    for row in rows:
        counts = {stars: row[f"s{stars}"] for stars in STARS}
        top = max(counts.values()) or 1
        summaries.append(
            RatingSummary(
                course_id=row["course_id"],
                title=row["course__title"],
                title_zh=row["course__title_zh"],
                average=round(row["average"], 1),
                count=row["count"],
                distribution=[(s, counts[s], round(100 * counts[s] / top)) for s in STARS],
            )
        )
    return summaries


def _rating_rows(ratings: QuerySet) -> QuerySet:
    return (
        ratings.values("course_id", "course__title", "course__title_zh")
        .annotate(
            average=Avg("stars"),
            count=Count("pk"),
            **{f"s{stars}": Count("pk", filter=Q(stars=stars)) for stars in STARS},
        )
        .order_by("average", "course__title")
    )


def rating_summaries(*, viewer, course: CoursePage | None = None) -> list[RatingSummary]:
    """Per rated course, lowest average first: average, count, distribution over 1..5 stars and
    the latest comments. Two queries."""
    if not may_triage(viewer):
        return []
    ratings = CourseRating.objects.all()
    if course is not None:
        ratings = ratings.filter(course=course)
    summaries = _summaries(_rating_rows(ratings))
    by_course = {s.course_id: s for s in summaries}
    if not by_course:
        return summaries
    latest = (
        ratings.exclude(comment="")
        .select_related("staff__department")
        .annotate(
            rank=Window(RowNumber(), partition_by=F("course_id"), order_by=F("created_at").desc())
        )
        .filter(rank__lte=LATEST_COMMENTS)
        .order_by("course_id", "rank")
    )
    for rating in latest:
        by_course[rating.course_id].comments.append(rating)
    return summaries


def courses_lowest_rated(*, viewer, limit: int = 5) -> list[RatingSummary]:
    """The worst-rated courses for the trainers' dashboard (one query)."""
    if not may_triage(viewer):
        return []
    return _summaries(_rating_rows(CourseRating.objects.all())[:limit])
