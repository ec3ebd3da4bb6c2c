import pytest
from django.contrib.auth.models import Group

from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_successful_login_is_audited(client):
    user = UserFactory(email="nurse@hospital.example")
    response = client.post(
        "/accounts/login/", {"login": "nurse@hospital.example", "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor_id == user.pk and event.ip == "127.0.0.1"


def test_failed_login_is_audited_with_the_attempted_email(client):
    UserFactory(email="nurse@hospital.example")
    response = client.post(
        "/accounts/login/", {"login": "nurse@hospital.example", "password": "wrong"}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.actor_id is None
    assert event.actor_label == "nurse@hospital.example"
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_role_change_is_audited():
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.HR))
    event = AuditEvent.objects.get(action="role.change")
    assert event.object_id == str(user.pk)
    assert event.after == {"added": [roles.HR]}


def test_permission_change_of_a_role_is_audited():
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=roles.LEARNER)
    group.permissions.add(Permission.objects.get(codename="view_staffmember"))
    event = AuditEvent.objects.filter(action="permission.change").latest("id")
    assert event.after["group"] == roles.LEARNER
    assert event.after["added"] == ["org.view_staffmember"]


def test_adding_a_role_the_user_already_has_records_nothing():
    user = UserFactory(roles=[roles.HR])
    before = AuditEvent.objects.filter(action="role.change").count()
    user.groups.add(Group.objects.get(name=roles.HR))
    assert AuditEvent.objects.filter(action="role.change").count() == before


def test_role_change_from_the_group_side_is_audited_per_user():
    first, second = UserFactory(), UserFactory()
    Group.objects.get(name=roles.AUDITOR).user_set.add(first, second)
    events = AuditEvent.objects.filter(action="role.change").order_by("id")
    assert {(e.object_id, tuple(e.after["added"])) for e in events} == {
        (str(first.pk), (roles.AUDITOR,)),
        (str(second.pk), (roles.AUDITOR,)),
    }


def test_audit_page_shows_changes_as_readable_json(client):
    UserFactory().groups.add(Group.objects.get(name=roles.TRAINER))
    client.force_login(UserFactory(roles=[roles.AUDITOR]))
    body = client.get("/records/audit/?action=role").content.decode()
    assert "{&quot;added&quot;: [&quot;trainer&quot;]}" in body
