"""What the seed-user app adds to other apps' pages, through their registries (they never
import this app): the points column of HR exports, the seed-user service section of the
transcript, and the "seed user" mark on certificates."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Activity, Nomination
from .selectors import points_by_staff


def export_points(staff_ids: list[int]) -> dict[int, int]:
    return points_by_staff(staff_ids)


def _local_day(moment) -> str:
    """The hospital's date of a moment (stored in UTC: `.date()` would be a day off at night)."""
    return timezone.localdate(moment).isoformat() if moment else ""


def transcript_section(staff):
    from portal.records.hr import TranscriptSection

    nominations = list(
        Nomination.objects.filter(staff=staff)
        .exclude(status__in=[Nomination.Status.DECLINED])
        .select_related("programme")
        .order_by("created_at")
    )
    if not nominations:
        return None
    counts: dict[int, dict] = {}
    points: dict[int, int] = {}
    confirmed = Activity.objects.filter(
        nomination__in=nominations, status=Activity.Status.CONFIRMED
    ).values_list("nomination_id", "kind", "points")
    for nomination_id, kind, value in confirmed:
        by_kind = counts.setdefault(nomination_id, {})
        by_kind[kind] = by_kind.get(kind, 0) + 1
        points[nomination_id] = points.get(nomination_id, 0) + value
    rows = []
    for n in nominations:
        done = counts.get(n.pk, {})
        rows.append(
            [
                n.programme.label,
                n.get_status_display(),
                _local_day(n.activated_at),
                _local_day(n.stepped_down_at),
                done.get(Activity.Kind.COACHING, 0),
                done.get(Activity.Kind.FLOOR, 0),
                done.get(Activity.Kind.ISSUE, 0),
                points.get(n.pk, 0),
            ]
        )
    return TranscriptSection(
        title=_("Seed-user service"),
        header=[
            _("Programme"),
            _("Status"),
            _("Active since"),
            _("Stepped down"),
            _("Coaching sessions"),
            _("Floor-support shifts"),
            _("Floor issues reported"),
            _("Points"),
        ],
        rows=rows,
        note=_("Only activities confirmed by the department's manager count."),
    )


def certificate_mark(certificate):
    """The mark for a holder who serves or served as an active seed user."""
    serving = Nomination.objects.filter(
        staff_id=certificate.staff_id, status__in=Nomination.SERVING
    ).exists()
    return ("Seed user", "种子用户") if serving else None


def _serving(staff_ids) -> dict[int, Nomination]:
    """Each person's latest nomination as an active or former seed user (one query)."""
    found: dict[int, Nomination] = {}
    rows = Nomination.objects.filter(staff_id__in=staff_ids, status__in=Nomination.SERVING)
    for nomination in rows.order_by("staff_id", "activated_at", "pk"):
        found[nomination.staff_id] = nomination
    return found


def staff_marks(staff_ids: list[int]) -> dict[int, str]:
    """The "Seed user" mark beside names in HR search results and on the transcript."""
    return {staff_id: _("Seed user") for staff_id in _serving(staff_ids)}


def export_seed_user(staff_ids: list[int]) -> dict[int, str]:
    """The export's "Seed user" cell: active since, or served from and to."""
    cells = {}
    for staff_id, n in _serving(staff_ids).items():
        since = _local_day(n.activated_at) if n.activated_at else ""
        if n.status == Nomination.Status.ACTIVE:
            cells[staff_id] = _("active since %(day)s") % {"day": since or "—"}
        else:
            until = _local_day(n.stepped_down_at) if n.stepped_down_at else ""
            cells[staff_id] = _("served %(start)s to %(end)s") % {
                "start": since or "—",
                "end": until or "—",
            }
    return cells


POINTS_HEADER = gettext_lazy("Seed-user points")
SEED_USER_HEADER = gettext_lazy("Seed user")
