"""The learner's notifications page, marking read, and the navigation's unread count."""

import pytest
from django.test import RequestFactory

from courses.context_processors import notifications as unread_context
from courses.models import Notification
from portal.accounts import roles
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db

LIST, READ = "/learning/notifications/", "/learning/notifications/read/"


def notify(user, title, **kwargs):
    return Notification.objects.create(user=user, title=title, **kwargs)


def test_anonymous_is_sent_to_sign_in(client):
    for response in (client.get(LIST), client.post(READ)):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "role", [roles.LEARNER, roles.TRAINER, roles.MANAGER, roles.HR, roles.AUDITOR]
)
def test_everyone_signed_in_has_a_notifications_page(client, role_groups, role):
    client.force_login(person([role]).user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "No notifications yet" in response.content.decode()


def test_own_notifications_newest_first_and_marked_read_when_seen(client, role_groups):
    me, other = person([roles.LEARNER]).user, person([roles.LEARNER]).user
    old = notify(me, "Training due within a week", body="HIS basics · 2025-03-19")
    new = notify(me, "Training overdue", url="/training/")
    notify(other, "Someone else's reminder")
    client.force_login(me)

    response = client.get(LIST)
    body = response.content.decode()
    assert [n.pk for n in response.context["page"]] == [new.pk, old.pk]
    assert "Someone else" not in body
    assert body.count('class="unread"') == 2
    assert 'href="/training/"' in body
    assert "HIS basics · 2025-03-19" in body
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.get(user=other).read_at is None

    # Seen once: no longer new.
    assert 'class="unread"' not in client.get(LIST).content.decode()


def test_mark_all_read_is_a_post_and_changes_nothing_twice(client, role_groups):
    me = person([roles.LEARNER]).user
    notify(me, "a")
    notify(me, "b")
    client.force_login(me)
    assert client.get(READ).status_code == 405
    response = client.post(READ, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "All notifications are marked as read." in response.content.decode()
    first = list(Notification.objects.values_list("read_at", flat=True))
    assert all(first)
    response = client.post(READ, follow=True)
    assert "All notifications are marked as read." not in response.content.decode()
    assert list(Notification.objects.values_list("read_at", flat=True)) == first


def test_unread_count_for_the_navigation_is_one_query(django_assert_num_queries, role_groups):
    me = UserFactory()
    notify(me, "a")
    notify(me, "b", read_at="2025-03-10T08:00:00Z")
    notify(UserFactory(), "c")
    request = RequestFactory().get("/")
    request.user = me
    context = unread_context(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"] == 1
        assert str(context["unread_notifications"]) == "1"


def test_unread_count_for_anonymous_visitors_costs_nothing(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_context(request)["unread_notifications"] == 0


@pytest.mark.parametrize("rows", [10, 1000])
def test_query_count_is_constant(client, role_groups, django_assert_max_num_queries, rows):
    me = person([roles.LEARNER]).user
    Notification.objects.bulk_create(Notification(user=me, title=f"n{i}") for i in range(rows))
    client.force_login(me)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.context["page"].paginator.count == rows
