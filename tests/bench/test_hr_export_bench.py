"""The HR export bench builds what it says and exports everybody (extra-small hospital)."""

import pytest

from assessments.models import Certificate, CertificationStatus
from bench.generate import build
from bench.hr_export import records_build, run
from portal.org.models import StaffMember

pytestmark = pytest.mark.django_db


def test_records_build_gives_everyone_a_status_row(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build("XS")
    built = records_build()
    assert built["statuses"] == CertificationStatus.objects.count() == StaffMember.objects.count()
    certified = CertificationStatus.objects.filter(certified_on__isnull=False).count()
    assert built["certificates"] == Certificate.objects.count() == certified > 0


def test_run_exports_everyone_in_both_formats(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build("XS")
    lines = []
    result = run("XS", out=lines.append)
    staff = StaffMember.objects.filter(certification_statuses__isnull=False).distinct().count()
    for fmt in ("xlsx", "csv"):
        assert result["results"][fmt]["rows"] == staff
    assert lines[1].startswith(f"xlsx: {staff:,} staff in ")
    assert "x the 10 s target" in lines[1] and "x the 300 MB target" in lines[1]
