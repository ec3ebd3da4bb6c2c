import csv
import io
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts import roles
from portal.org.models import StaffMember
from portal.records import hr_exports, tasks
from portal.records.models import AuditEvent, HrExport
from tests.factories import DepartmentFactory, person
from tests.records.test_hr_search import hospital_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def hr_user(role_groups):
    return person(role_names=[roles.HR]).user


def _request(hr_user, fmt="csv", filters=None):
    with mock.patch.object(tasks.hr_export_task, "delay_on_commit"):
        return hr_exports.hr_export_request(actor=hr_user, filters=filters or {}, fmt=fmt)


def _csv_rows(export):
    text = (hr_exports.hr_exports_dir() / export.file).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_search_page_exports_through_the_task(
    client, hr_user, django_capture_on_commit_callbacks
):
    hospital_rows(3)
    client.force_login(hr_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("records:hr_export_create"), {"format": "xlsx", "level": "proficient"}
        )
    export = HrExport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{export.pk}/")
    assert export.status == HrExport.Status.DONE and export.filters == {"level": "proficient"}
    detail = client.get(reverse("records:hr_export_detail", args=[export.pk]))
    assert reverse("records:hr_export_download", args=[export.pk]) in detail.content.decode()
    progress = client.get(reverse("records:hr_export_progress", args=[export.pk])).json()
    assert progress["done"] == progress["total"] == 3 and progress["export_status"] == "done"
    download = client.get(reverse("records:hr_export_download", args=[export.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("Employee number", "Name") and len(rows) == 1 + 3
    assert rows[1][5] == "Nurse track: certified 2026-01-10, valid until 2027-01-09"
    assert {e.action for e in AuditEvent.objects.all()} >= {
        "hr_export.request",
        "hr_export.download",
    }
    assert AuditEvent.objects.get(action="hr_export.download").object_id == str(export.pk)


def test_csv_defuses_formulas(hr_user):
    (staff,) = hospital_rows(1)
    staff.full_name = '=HYPERLINK("http://evil")'
    staff.save()
    export = _request(hr_user)
    hr_exports.hr_export_run(export_id=export.pk)
    rows = _csv_rows(HrExport.objects.get(pk=export.pk))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


def test_one_row_per_person_with_their_best_current_score(hr_user):
    from decimal import Decimal

    from assessments.models import CertificationStatus, CertificationTrack

    a, b, c = hospital_rows(3, role="nurse", score=Decimal("70"), level="competent")
    # Two more tracks: "a-ward" sorts before the nurse track, "z-extra" after it.
    early = CertificationTrack.objects.create(code="a-ward", name="Ward", job_role=a.job_role)
    late = CertificationTrack.objects.create(code="z-extra", name="Extra", job_role=a.job_role)
    extra = {"department": a.department, "job_role": a.job_role, "status": "in_progress"}
    CertificationStatus.objects.bulk_create(
        [
            # a: the best is the last track in order, not the first row.
            CertificationStatus(staff=a, track=early, score=Decimal("50"), level="novice", **extra),
            CertificationStatus(staff=a, track=late, score=Decimal("91"), level="expert", **extra),
            # b: a tie goes to the first track by code.
            CertificationStatus(
                staff=b, track=early, score=Decimal("70"), level="proficient", **extra
            ),
            # c: a track with no score yet does not hide the scored one.
            CertificationStatus(staff=c, track=late, score=None, level="", **extra),
        ]
    )
    export = hr_exports.hr_export_run(export_id=_request(hr_user).pk)
    rows = _csv_rows(export)
    assert export.rows == 3 and len(rows) == 4
    assert rows[0][6:9] == ["Proficiency score", "Proficiency level", "Track of the score"]
    by_name = {row[1]: row[6:9] for row in rows[1:]}
    assert by_name[a.full_name] == ["91.0", "Expert", "Extra"]
    assert by_name[b.full_name] == ["70.0", "Proficient", "Ward"]
    assert by_name[c.full_name] == ["70.0", "Competent", "Nurse track"]


def test_a_person_without_any_score_has_empty_score_cells(hr_user):
    hospital_rows(1, score=None, level="", status="not_started")
    rows = _csv_rows(hr_exports.hr_export_run(export_id=_request(hr_user).pk))
    assert rows[1][5] == "Nurse track: not started" and rows[1][6:9] == ["", "", ""]


def test_task_is_idempotent_and_records_failures(hr_user):
    hospital_rows(2)
    export = _request(hr_user)
    tasks.hr_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "done" and export.rows == 2
    with mock.patch.object(hr_exports, "hr_export_run") as run:
        tasks.hr_export_task(export.pk)  # a second delivery
    run.assert_not_called()
    failing = _request(hr_user)
    with mock.patch.object(hr_exports, "hr_export_table", side_effect=RuntimeError("disk full")):
        tasks.hr_export_task(failing.pk)
    failing.refresh_from_db()
    assert failing.status == "failed" and "disk full" in failing.error


def test_bad_filters_are_refused(hr_user):
    with pytest.raises(ValueError):
        _request(hr_user, filters={"level": "guru"})
    with pytest.raises(ValueError):
        _request(hr_user, fmt="pdf")


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_run_query_count_is_constant(hr_user, django_assert_max_num_queries, n, fmt):
    hospital_rows(n)
    export = _request(hr_user, fmt=fmt)
    with django_assert_max_num_queries(22):
        export = hr_exports.hr_export_run(export_id=export.pk)
    assert export.rows == n


def test_xlsx_has_the_header_and_a_row_per_person(hr_user):
    hospital_rows(4)
    export = hr_exports.hr_export_run(export_id=_request(hr_user, fmt="xlsx").pk)
    sheet = load_workbook(hr_exports.hr_exports_dir() / export.file, read_only=True).active
    rows = list(sheet.values)
    assert rows[0] == (
        "Employee number",
        "Name",
        "Department",
        "Job role",
        "Title",
        "Certifications",
        "Proficiency score",
        "Proficiency level",
        "Track of the score",
        "Seed-user points",
        "Seed user",
    )
    assert len(rows) == 1 + 4 and export.rows == 4
    assert rows[1][6:9] == (
        80.0,
        "Proficient",
        "Nurse track",
    )  # the empty seed-user cell is not written
    assert (rows[1][1], rows[1][4]) == ("Person 0", "护士")


def test_xlsx_keeps_formula_like_text_as_text(hr_user):
    (staff,) = hospital_rows(1)
    StaffMember.objects.filter(pk=staff.pk).update(full_name="=1+1")
    export = hr_exports.hr_export_run(export_id=_request(hr_user, fmt="xlsx").pk)
    sheet = load_workbook(hr_exports.hr_exports_dir() / export.file).active
    cell = sheet.cell(row=2, column=2)
    assert (cell.value, cell.data_type) == ("=1+1", "s")


def test_running_twice_writes_one_file_and_one_audit_event(hr_user):
    hospital_rows(2)
    export = _request(hr_user)
    first = hr_exports.hr_export_run(export_id=export.pk)
    second = hr_exports.hr_export_run(export_id=export.pk)
    assert first.file == second.file and second.status == "done"
    assert [p.name for p in hr_exports.hr_exports_dir().iterdir()] == [first.file]
    assert AuditEvent.objects.filter(action="hr_export.done").count() == 1
    assert AuditEvent.objects.filter(action="hr_export.request").count() == 1
    assert len(first.sha256) == 64


def test_the_export_is_filtered_and_the_seed_user_hook_fills_its_column(hr_user):
    ward = DepartmentFactory(code="W9")
    inside = hospital_rows(2, department=ward)
    hospital_rows(3, start=10)
    column = hr_exports.ExportColumn(
        hr_exports.SEED_USER_POINTS, "Seed-user points", lambda ids: {inside[0].pk: 12}
    )
    with mock.patch.object(hr_exports, "EXPORT_COLUMNS", [column]):
        export = hr_exports.hr_export_run(
            export_id=_request(hr_user, filters={"department": ward.pk}).pk
        )
    rows = _csv_rows(export)
    assert export.rows == 2 and [r[1] for r in rows[1:]] == ["Person 0", "Person 1"]
    assert rows[0][-1] == "Seed-user points" and [r[-1] for r in rows[1:]] == ["12", ""]


def test_exports_list_and_invalid_filters(client, hr_user):
    hospital_rows(1)
    export = _request(hr_user)
    client.force_login(hr_user)
    listing = client.get(reverse("records:hr_exports"))
    assert listing.status_code == 200
    assert reverse("records:hr_export_detail", args=[export.pk]) in listing.content.decode()
    with mock.patch.object(tasks.hr_export_task, "delay_on_commit") as delay:
        refused = client.post(
            reverse("records:hr_export_create"),
            {"format": "csv", "certified_from": "2026-02-01", "certified_to": "2026-01-01"},
        )
        assert refused.status_code == 302 and refused["Location"] == reverse("records:hr_search")
        bad_format = client.post(reverse("records:hr_export_create"), {"format": "pdf"})
        assert bad_format.status_code == 400
    delay.assert_not_called()
    assert HrExport.objects.count() == 1


def test_a_requester_who_lost_the_hr_role_gets_a_failed_export(hr_user):
    hospital_rows(1)
    export = _request(hr_user)
    hr_user.groups.clear()
    hr_user = type(hr_user).objects.get(pk=hr_user.pk)  # no cached permissions

    tasks.hr_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "failed" and "PermissionDenied" in export.error
    assert not export.file and not list(hr_exports.hr_exports_dir().glob("*"))
    assert AuditEvent.objects.filter(action="hr_export.fail", object_id=str(export.pk)).exists()
