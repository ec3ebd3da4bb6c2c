import csv
import io
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts import roles
from portal.records import hr_exports, tasks
from portal.records.models import AuditEvent, HrExport
from tests.factories import person
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


def test_one_row_per_person_with_the_best_score(hr_user):
    from decimal import Decimal

    (a,) = hospital_rows(1, role="nurse", score=Decimal("70"), level="competent")
    from assessments.models import CertificationStatus, CertificationTrack

    t = CertificationTrack.objects.create(code="extra", name="Extra", job_role=a.job_role)
    CertificationStatus.objects.create(
        staff=a,
        track=t,
        department=a.department,
        job_role=a.job_role,
        status="in_progress",
        score=Decimal("91"),
        level="expert",
    )
    export = _request(hr_user)
    export = hr_exports.hr_export_run(export_id=export.pk)
    rows = _csv_rows(export)
    assert export.rows == 1 and len(rows) == 2
    assert rows[1][6:8] == ["91.0", "Expert"]


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
