"""Certification evidence for a generated hospital: every status appears, and the status table
equals a recompute from the raw evidence afterwards."""

import pytest

from assessments.models import Attempt, Certificate, CertificationStatus, CertificationTrack
from assessments.services.certification import status_diff
from bench.certification_data import evidence_build, report
from bench.generate import build
from portal.org.models import StaffMember

S = CertificationStatus.Status


@pytest.mark.django_db
def test_evidence_for_an_xs_hospital_has_every_status_and_checks_clean():
    build("XS")
    result = evidence_build()

    roles = set(StaffMember.objects.values_list("job_role_id", flat=True))
    assert CertificationTrack.objects.count() == result["tracks"] == len(roles)
    statuses = set(CertificationStatus.objects.values_list("status", flat=True))
    assert {S.CERTIFIED, S.EXPIRING, S.EXPIRED, S.IN_PROGRESS, S.NOT_STARTED} <= statuses
    assert result["statuses"][S.CERTIFIED] > result["statuses"][S.EXPIRED]
    assert Attempt.objects.count() == result["attempts"] > StaffMember.objects.count()
    failed = Attempt.objects.filter(exam__kind="practical", passed=False)
    assert any(a.simulation["critical_failures"] for a in failed)
    assert Certificate.objects.count() == result["certificates"] > 0
    assert status_diff() == []
    assert "certified" in report(result)
