"""The API against its own OpenAPI schema, with Schemathesis, in process (Django's WSGI handler,
no server): for every operation, generated requests authenticated with a token holding every
scope never get a server error, and each answer's status and body are the documented ones."""

from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from assessments.models import CertificationStatus
from portal.readiness.models import AccessException
from tests.factories import DepartmentFactory
from tests.readiness.access_factories import (
    access_wave,
    exception,
    nurse_track,
    staff_bulk,
    status_rows,
)
from tests.readiness.api_factories import api_token, superuser

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def _same_connection():
    """Django closes the database connection at the end of a request; the test client stops
    that, a bare WSGI handler does not. Without this the first generated request would close
    the connection holding the test's transaction (and its data)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def secret(db):
    """A token with every scope and room for every generated request, and a wave with people,
    certificates and an exception, so the answers have content (ids 1.. hit it or not)."""
    cache.clear()
    ed = DepartmentFactory(code="ED", name="Emergency")
    wave = access_wave([ed], name="Pilot")
    staff = staff_bulk(ed, 4)
    track_ = nurse_track()
    status_rows(
        staff[:2], track_, status=CertificationStatus.Status.CERTIFIED, valid_until=date(2028, 1, 1)
    )
    status_rows(staff[2:], track_)
    exception(wave, staff[3], by=superuser(), status=AccessException.Status.APPROVED)
    return api_token(per_minute=6000)[1]


# Loaded from the running application (the schema view makes no query), once at collection.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, secret, _same_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
