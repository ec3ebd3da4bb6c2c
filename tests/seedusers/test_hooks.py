from datetime import date

import pytest
from freezegun import freeze_time

from assessments import documents
from assessments.models import Certificate
from portal.records import hr, hr_exports
from seedusers import hooks, selectors, services
from seedusers.models import Activity, Nomination
from tests.factories import DepartmentFactory, StaffFactory

from . import factories as f

pytestmark = pytest.mark.django_db

N = Nomination.Status
A = Activity.Status


@pytest.fixture
def ward(role_groups):
    return DepartmentFactory(code="W1")


def test_hr_export_has_the_seed_user_points_column(ward):
    (column,) = [c for c in hr_exports.export_columns() if c.key == hr_exports.SEED_USER_POINTS]
    assert str(column.header) == "Seed-user points"
    assert column.values is hooks.export_points  # seedusers', not the empty placeholder
    seed = f.nomination(f.programme(), StaffFactory(department=ward), status=N.ACTIVE)
    f.activity(seed, status=A.CONFIRMED, points=5)
    f.activity(seed, status=A.CONFIRMED, points=3)
    f.activity(seed, status=A.PENDING)
    other = StaffFactory(department=ward)
    ids = [seed.staff_id, other.pk]
    assert column.values(ids) == selectors.points_by_staff(ids) == {seed.staff_id: 8}
    # Registered once (the app's ready ran once).
    assert [c.key for c in hr_exports.export_columns()].count(hr_exports.SEED_USER_POINTS) == 1


def test_transcript_section(ward, role_groups):
    boss = f.manager(ward, department=ward)
    prog = f.programme(name="Go-live wave 1", points_coaching=4)
    staff = StaffFactory(department=ward)
    seed = f.nomination(prog, staff, status=N.CERTIFIED)
    # 20:00 UTC is the next morning in Shanghai: the dates are the hospital's.
    with freeze_time("2026-03-01 20:00"):
        services.nomination_activate(actor=boss.user, nomination_id=seed.pk)
    f.activity(seed, status=A.CONFIRMED, points=4)
    f.activity(seed, status=A.CONFIRMED, points=4)
    f.activity(seed, kind=Activity.Kind.FLOOR, status=A.CONFIRMED, points=5)
    f.activity(seed, kind=Activity.Kind.ISSUE, status=A.PENDING)
    f.activity(seed, kind=Activity.Kind.ISSUE, status=A.REJECTED)
    f.nomination(f.programme(name="Declined wave"), staff, status=N.DECLINED)
    section = hooks.transcript_section(staff)
    assert isinstance(section, hr.TranscriptSection)
    assert section.header[:2] == ["Programme", "Status"]
    assert section.rows == [["Go-live wave 1", "Active", "2026-03-02", "", 2, 1, 0, 13]]
    with freeze_time("2026-06-30 17:00"):
        services.nomination_step_down(actor=boss.user, nomination_id=seed.pk, reason="Moved")
    (row,) = hooks.transcript_section(staff).rows
    assert row[1:4] == ["Stepped down", "2026-03-02", "2026-07-01"]
    assert hooks.transcript_section in hr.TRANSCRIPT_SECTIONS


def test_transcript_section_for_someone_never_nominated(ward):
    assert hooks.transcript_section(StaffFactory(department=ward)) is None
    declined = StaffFactory(department=ward)
    f.nomination(f.programme(), declined, status=N.DECLINED)
    assert hooks.transcript_section(declined) is None


@pytest.mark.parametrize(
    "status,mark",
    [
        (N.ACTIVE, ("Seed user", "种子用户")),
        (N.STEPPED_DOWN, ("Seed user", "种子用户")),
        (N.CERTIFIED, None),
        (N.IN_TRAINING, None),
        (N.NOMINATED, None),
        (N.DECLINED, None),
        (None, None),
    ],
)
def test_certificate_mark(ward, status, mark):
    staff = StaffFactory(department=ward)
    if status:
        f.nomination(f.programme(), staff, status=status)
    f.nomination(f.programme(), StaffFactory(department=ward), status=N.ACTIVE)  # someone else
    certificate = Certificate(staff=staff, valid_from=date(2026, 1, 10))
    assert hooks.certificate_mark(certificate) == mark
    assert documents.certificate_marks(certificate) == ([mark] if mark else [])


def test_seed_user_mark_in_hr_search_transcript_and_export(client, ward, role_groups):
    from tests.records.test_hr_search import hospital_rows

    serving, former, nominee = hospital_rows(3, department=ward)
    prog = f.programme()
    f.nomination(prog, serving, status=N.ACTIVE, activated_at="2026-03-02T02:00:00Z")
    f.nomination(
        prog,
        former,
        status=N.STEPPED_DOWN,
        activated_at="2026-01-05T02:00:00Z",
        stepped_down_at="2026-06-30T02:00:00Z",
    )
    f.nomination(prog, nominee, status=N.IN_TRAINING)
    ids = [serving.pk, former.pk, nominee.pk]
    assert hr.staff_marks(ids) == {serving.pk: ["Seed user"], former.pk: ["Seed user"]}
    assert hooks.export_seed_user(ids) == {
        serving.pk: "active since 2026-03-02",
        former.pk: "served 2026-01-05 to 2026-06-30",
    }
    (column,) = [c for c in hr_exports.export_columns() if c.key == "seed_user"]
    assert column.values is hooks.export_seed_user

    from portal.accounts import roles
    from tests.factories import person

    client.force_login(person([roles.HR]).user)
    body = client.get("/records/hr/").content.decode()
    assert body.count('class="badge mark"') == 2
    transcript = client.get(f"/records/hr/staff/{serving.pk}/").content.decode()
    assert 'class="badge mark">Seed user<' in transcript
