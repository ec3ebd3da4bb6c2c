"""The HR export bench builds what it says and exports everybody (extra-small hospital).
Nothing here is about speed."""

import pytest

from assessments.models import Certificate, CertificationStatus, ProficiencyRecord
from bench.generate import build
from bench.hr_export import records_build, run
from portal.org.models import StaffMember

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_records_build_gives_everyone_two_tracks_and_a_mix():
    build("XS")
    built = records_build()
    staff = StaffMember.objects.count()
    assert built["statuses"] == CertificationStatus.objects.count() == 2 * staff
    with_dates = CertificationStatus.objects.filter(certified_on__isnull=False).count()
    assert built["certificates"] == Certificate.objects.count() == with_dates > 0
    assert built["records"] == ProficiencyRecord.objects.count() > 0
    statuses = set(CertificationStatus.objects.values_list("status", flat=True))
    assert {"certified", "in_progress", "not_started"} <= statuses
    revoked = Certificate.objects.filter(revoked_at__isnull=False).count()
    assert revoked == built["revoked"]


def test_run_exports_everyone_in_both_formats_and_keeps_no_files(tmp_path):
    build("XS")
    lines = []
    result = run("XS", out=lines.append)
    staff = StaffMember.objects.filter(certification_statuses__isnull=False).distinct().count()
    for fmt in ("xlsx", "csv"):
        figures = result["results"][fmt]
        assert figures["rows"] == staff and figures["bytes"] > 0 and figures["peak_mb"] > 0
    assert lines[1].startswith(f"xlsx: {staff:,} staff in ")
    assert "x the 10 s target" in lines[1] and "x the 300 MB target" in lines[1]
    assert lines[3].startswith(f"csv: {staff:,} staff in ")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
