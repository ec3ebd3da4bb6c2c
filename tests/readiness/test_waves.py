"""Rollout waves: saved through wave_save (audited, default criteria, a department in one wave
at most, department_changed for the departments whose go-live date changed), edited by the
rollout lead in the CMS, and made from the interim go-live dates by readiness 0002."""

from datetime import date

import pytest
from django import forms
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.accounts import roles
from portal.org import golive
from portal.org.models import Department
from portal.org.signals import department_changed
from portal.readiness.models import Criterion, Wave
from portal.readiness.waves import department_wave, wave_go_live_dates, wave_save
from portal.records.models import AuditEvent
from tests.factories import DepartmentFactory, person
from tests.readiness.factories import wave

WAVES = "/cms/readiness/waves/"


class WaveForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["name", "name_zh", "departments", "go_live_date", "dual_track_until", "status"]


def save(instance=None, **data):
    data = {"name": "Pilot", "go_live_date": "2026-06-01", "status": "training", **data}
    form = WaveForm(data, instance=instance)
    assert form.is_valid(), form.errors
    return wave_save(actor=None, form=form)


@pytest.fixture
def received():
    calls = []

    def listener(sender, department_ids, **kwargs):
        calls.append(department_ids)

    department_changed.connect(listener, dispatch_uid="test_waves_listener")
    yield calls
    department_changed.disconnect(dispatch_uid="test_waves_listener")


@pytest.mark.django_db
def test_a_new_wave_is_audited_and_gets_the_default_criteria():
    ed = DepartmentFactory(code="ED")
    created = save(departments=[ed.pk])
    event = AuditEvent.objects.get(action="wave.create")
    assert event.object_id == str(created.pk)
    assert event.after["departments"] == [ed.pk]
    criteria = {c.kind: (c.green, c.amber) for c in created.criteria.filter(job_role=None)}
    assert criteria == dict(Criterion.DEFAULTS)
    assert department_wave(ed) == created

    save(instance=created, departments=[ed.pk], go_live_date="2026-06-08")
    event = AuditEvent.objects.get(action="wave.update")
    assert event.before == {"go_live_date": "2026-06-01"}
    assert event.after == {"go_live_date": "2026-06-08"}
    assert created.criteria.count() == len(Criterion.DEFAULTS)  # not created twice


@pytest.mark.django_db
def test_a_department_in_another_wave_is_refused_naming_both():
    ed = DepartmentFactory(code="ED", name="Emergency")
    wave([ed], name="Pilot: Emergency")
    form = WaveForm(
        {
            "name": "Wave 2",
            "go_live_date": "2026-09-01",
            "status": "planning",
            "departments": [ed.pk],
        }
    )
    assert form.is_valid()
    with pytest.raises(forms.ValidationError) as refused:
        wave_save(actor=None, form=form)
    message = " ".join(refused.value.message_dict["departments"])
    assert "Emergency" in message and "Pilot: Emergency" in message
    assert Wave.objects.count() == 1
    assert not AuditEvent.objects.filter(action="wave.create").exists()


@pytest.mark.django_db
def test_department_changed_goes_out_after_commit_for_exactly_the_changed_departments(
    received, django_capture_on_commit_callbacks
):
    a, b, c, other = (DepartmentFactory(code=code) for code in ("A", "B", "C", "X"))
    wave([other])
    with django_capture_on_commit_callbacks(execute=True):
        pilot = save(departments=[a.pk, b.pk])
    assert received == [[a.pk, b.pk]]

    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save(instance=pilot, departments=[b.pk, c.pk])  # a leaves, c joins
    assert received == [[a.pk, c.pk]]

    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        save(instance=pilot, departments=[b.pk, c.pk], go_live_date="2026-07-01")
    assert received == [[b.pk, c.pk]]

    received.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        save(instance=pilot, departments=[b.pk, c.pk], go_live_date="2026-07-01", name="P")
    assert received == [] and callbacks == []


@pytest.mark.django_db
def test_go_live_dates_are_those_of_the_departments_directly_in_a_wave(
    django_assert_num_queries,
):
    ed, lab = DepartmentFactory(code="ED"), DepartmentFactory(code="LAB")
    DepartmentFactory(code="ED-1", parent=ed)  # inherits: not directly in a wave
    wave([ed], go_live=date(2026, 6, 1))
    wave([lab], go_live=date(2026, 9, 1))
    assert golive.GO_LIVE_DATES is wave_go_live_dates  # registered by ReadinessConfig.ready()
    with django_assert_num_queries(1):
        dates = golive.department_go_live_dates()
    assert dates == {ed.pk: date(2026, 6, 1), lab.pk: date(2026, 9, 1)}


# ---------------------------------------------------------------------------------------------
# The CMS


@pytest.fixture
def lead_client(client, db):
    roles.roles_sync()
    client.force_login(person([roles.ROLLOUT_LEAD]).user)
    return client


def test_the_rollout_lead_edits_waves_in_the_cms(lead_client, django_capture_on_commit_callbacks):
    ed = DepartmentFactory(code="ED", name="Emergency")
    assert lead_client.get(WAVES).status_code == 200
    page = lead_client.get(WAVES + "new/")
    assert page.status_code == 200
    assert "Emergency" in page.content.decode()
    data = {
        "name": "Pilot",
        "name_zh": "试点",
        "departments": [ed.pk],
        "go_live_date": "2026-06-01",
        "status": "training",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_client.post(WAVES + "new/", data).status_code == 302
    pilot = Wave.objects.get()
    assert pilot.criteria.count() == len(Criterion.DEFAULTS)
    assert lead_client.get(f"{WAVES}edit/{pilot.pk}/").status_code == 200
    assert lead_client.get("/cms/readiness/criteria/").status_code == 200

    # A second wave may not take the department: the form says so.
    refused = lead_client.post(WAVES + "new/", {**data, "name": "Wave 2"})
    assert refused.status_code == 200
    assert "already in the wave" in refused.content.decode()
    assert Wave.objects.count() == 1


def test_a_waves_criterion_thresholds_are_checked(lead_client):
    pilot = wave()
    data = {"wave": pilot.pk, "kind": "coverage", "green": "80", "amber": "90", "active": "on"}
    response = lead_client.post("/cms/readiness/criteria/new/", data)
    assert response.status_code == 200
    assert "Amber must not be above green" in response.content.decode()
    data.update(green="95", amber="85")
    assert lead_client.post("/cms/readiness/criteria/new/", data).status_code == 302
    assert AuditEvent.objects.filter(action="criterion.create").exists()


@pytest.mark.django_db
def test_a_learner_cannot_open_the_waves(client):
    roles.roles_sync()
    client.force_login(person([roles.LEARNER]).user)
    for url in (WAVES, WAVES + "new/"):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/cms/login/" in response["Location"] or response["Location"] == "/cms/"


# ---------------------------------------------------------------------------------------------
# readiness 0002: the interim go-live dates become waves


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_go_live_dates_into_waves():
    before = [("org", "0004_department_go_live_date"), ("readiness", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldDepartment = old.get_model("org", "Department")
    for code, day in (
        ("ED", date(2026, 3, 2)),
        ("CARD", date(2026, 3, 2)),
        ("LAB", date(2026, 6, 1)),
        ("HR", None),
    ):
        OldDepartment.objects.create(code=code, name=code, go_live_date=day)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    first, second = Wave.objects.order_by("go_live_date")
    assert (first.name, first.name_zh, first.status) == (
        "Wave 1: go-live 2026-03-02",
        "第1批：2026-03-02上线",
        "training",
    )
    assert {d.code for d in first.departments.all()} == {"ED", "CARD"}
    assert second.name == "Wave 2: go-live 2026-06-01"
    assert [d.code for d in second.departments.all()] == ["LAB"]
    assert first.criteria.count() == second.criteria.count() == len(Criterion.DEFAULTS)
    assert not Department.objects.get(code="HR").waves.exists()
