"""Concurrent writers extend one chain: the head row lock serialises them (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from portal.records.services import audit_record
from tests.conftest import has_postgres, need


@pytest.mark.postgres
def test_parallel_appends_keep_the_chain_intact(transactional_db):
    need(has_postgres(), "PostgreSQL")
    before = AuditEvent.objects.count()
    errors = []

    def writer(n):
        try:
            for i in range(15):
                audit_record(action="test.concurrent", object_id=f"{n}-{i}")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert AuditEvent.objects.count() == before + 60
    result = audit_chain_verify()
    assert result.ok, result.reason
