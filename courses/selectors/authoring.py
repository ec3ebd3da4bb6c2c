"""Reads behind the course catalogue, course and lesson pages (a fixed number of queries
whatever the number of courses or lessons)."""

from dataclasses import dataclass, field

from portal.org.models import JobRole, StaffMember

from ..models import CourseIndexPage, CoursePage, LessonPage

ALL_ROLES = "all"


@dataclass
class RoleGroup:
    role: JobRole | None  # None: courses not aimed at any role yet
    courses: list[CoursePage] = field(default_factory=list)


@dataclass
class Catalogue:
    groups: list[RoleGroup]
    roles: list[JobRole]  # every role that has at least one course, for the filter
    selected: str  # a role code, or ALL_ROLES
    unknown_role: bool = False  # the visitor asked for a role that has no courses
    course_count: int = 0


def catalogue_courses(*, catalogue: CourseIndexPage, viewer, role: str | None = None) -> Catalogue:
    """Live courses of the catalogue grouped by target job role. With no role asked for, a
    learner sees their own role's courses first (all roles if theirs has none)."""
    courses = list(
        CoursePage.objects.child_of(catalogue)
        .live()
        .prefetch_related("job_roles")
        .order_by("title")
    )
    by_role: dict[int, RoleGroup] = {}
    unaimed = RoleGroup(role=None)
    for course in courses:
        roles = list(course.job_roles.all())
        if not roles:
            unaimed.courses.append(course)
        for job_role in roles:
            by_role.setdefault(job_role.pk, RoleGroup(role=job_role)).courses.append(course)
    groups = sorted(by_role.values(), key=lambda g: g.role.code)
    codes = {g.role.code for g in groups}

    unknown = bool(role) and role != ALL_ROLES and role not in codes
    if not role or unknown:
        own = _viewer_role_code(viewer)
        selected = own if (not role and own in codes) else ALL_ROLES
    else:
        selected = role
    shown = groups if selected == ALL_ROLES else [g for g in groups if g.role.code == selected]
    if selected == ALL_ROLES and unaimed.courses:
        shown = [*shown, unaimed]
    return Catalogue(
        groups=shown,
        roles=[g.role for g in groups],
        selected=selected,
        unknown_role=unknown,
        course_count=len(courses),
    )


def _viewer_role_code(viewer) -> str | None:
    if not viewer.is_authenticated:
        return None
    return StaffMember.objects.filter(user=viewer).values_list("job_role__code", flat=True).first()


def course_lessons(*, course: CoursePage) -> list[LessonPage]:
    """The live lessons of a course in the order the trainer arranged them."""
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


def course_facts(*, course: CoursePage) -> dict:
    """Target roles and owning trainer (two queries, whatever the course)."""
    return {
        "roles": list(course.job_roles.all()),
        "trainer": course.owner_trainer,
        "modules": [m.strip() for m in course.his_modules.split(",") if m.strip()],
    }


def lesson_course(*, lesson: LessonPage) -> CoursePage | None:
    return CoursePage.objects.parent_of(lesson).first()


def lesson_position(*, lesson: LessonPage, course: CoursePage | None) -> dict:
    """Where the lesson sits in its course: "lesson 2 of 4" (number is None for a draft)."""
    if course is None:
        return {"number": None, "total": None}
    ids = list(
        LessonPage.objects.child_of(course).live().order_by("path").values_list("pk", flat=True)
    )
    number = ids.index(lesson.pk) + 1 if lesson.pk in ids else None
    return {"number": number, "total": len(ids)}
