"""Curricula in the Wagtail admin: trainers create and edit a curriculum with its items on one
page, bad items are refused with a clear message and change nothing, every save is audited and
recomputes assignments, and only trainers and superusers get in."""

from datetime import date
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from courses.models import Assignment, CoursePage, Curriculum, CurriculumItem
from courses.tasks.enrolment import assignments_recompute_task
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.courses.test_enrolment_engine import active_pages, curriculum, owed, staff
from tests.factories import DepartmentFactory, UserFactory, job_role, person
from tests.readiness.factories import wave

pytestmark = pytest.mark.django_db

Rule = CurriculumItem.DueRule
ADD, LIST = "/cms/courses/curricula/new/", "/cms/courses/curricula/"
# What the integrator adds to ROLE_PERMISSIONS[TRAINER] (portal/accounts/roles.py).
TRAINER_PERMISSIONS = ["add_curriculum", "change_curriculum", "view_curriculum"]


def edit_url(found) -> str:
    return f"/cms/courses/curricula/edit/{found.pk}/"


@pytest.fixture
def trainer(db):
    group = Group.objects.get(name=roles.TRAINER)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="courses", codename__in=TRAINER_PERMISSIONS
        )
    )
    return person([roles.TRAINER]).user


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def form_data(items=(), existing=0, **fields) -> dict:
    """The curriculum page's POST: fields, then items as dicts of their fields."""
    data = {
        "name": "Nurses: core",
        "name_zh": "护士核心课程",
        "job_role": job_role("nurse").pk,
        "active": "on",
        "items-TOTAL_FORMS": len(items),
        "items-INITIAL_FORMS": existing,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
    }
    data.update(fields)
    for index, item in enumerate(items):
        row = {"kind": "course", "due_rule": Rule.BEFORE_GO_LIVE, "due_date": "", "due_days": ""}
        row.update(item)
        data.update({f"items-{index}-{k}": v for k, v in row.items() if v is not None})
    return {k: v for k, v in data.items() if v is not None}


def item_rows(found) -> list[tuple]:
    return list(
        found.items.order_by("sort_order").values_list(
            "object_id", "sort_order", "due_rule", "due_date", "due_days"
        )
    )


# ---------------------------------------------------------------------------------------------
# Create and edit


def test_trainer_creates_a_curriculum_and_nurses_get_it(
    trainer_client, django_capture_on_commit_callbacks
):
    ward = DepartmentFactory(code="ED")
    wave([ward], go_live=date(2026, 6, 1))
    bcma, charts = course(lessons=1), course(lessons=1)
    nurse = staff(department=ward, hire_date=date(2026, 1, 1))
    page = trainer_client.get(ADD)
    assert page.status_code == 200
    html = page.content.decode()
    assert bcma.title in html and "Add another item" in html and "Required items" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = trainer_client.post(
            ADD,
            form_data(
                items=[
                    {"course": bcma.pk, "due_days": 14},
                    {"course": charts.pk, "due_rule": Rule.AFTER_HIRE, "due_days": 30},
                    {},  # a blank extra row is ignored
                ],
                departments=[ward.pk],
            ),
        )
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["form"].items.errors,
        response.context["form"].items.non_form_errors(),
    )
    found = Curriculum.objects.get()
    assert (found.name, found.job_role.code, list(found.departments.all())) == (
        "Nurses: core",
        "nurse",
        [ward],
    )
    assert item_rows(found) == [
        (bcma.pk, 1, Rule.BEFORE_GO_LIVE, None, 14),
        (charts.pk, 2, Rule.AFTER_HIRE, None, 30),
    ]
    assert found.items.first().content_type == ContentType.objects.get_for_model(CoursePage)
    # The recompute ran after commit: the nurse owes both.
    assert active_pages(nurse) == {bcma.pk, charts.pk}
    assert owed(nurse, bcma).due_date == date(2026, 5, 18)
    event = AuditEvent.objects.get(action="curriculum.create")
    assert event.object_id == str(found.pk)
    assert [i["due_days"] for i in event.after["items"]] == [14, 30]
    assert AuditEvent.objects.filter(action="assignments.recompute").count() == 1


def test_editing_a_curriculum_recomputes_and_a_double_submit_changes_nothing_twice(
    trainer_client, django_capture_on_commit_callbacks
):
    bcma, charts = course(lessons=0), course(lessons=0)
    found = curriculum(items=[(bcma, Rule.FIXED, date(2026, 5, 1))])
    nurse = staff()
    assignments_recompute_task()
    item = found.items.get()
    data = form_data(
        existing=1,
        items=[
            {"id": item.pk, "course": bcma.pk, "due_rule": Rule.FIXED, "due_date": "2026-04-15"},
            {"course": charts.pk, "due_rule": Rule.FIXED, "due_date": "2026-04-30"},
        ],
    )
    assert trainer_client.get(edit_url(found)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert trainer_client.post(edit_url(found), data).status_code == 302
    assert owed(nurse, bcma).due_date == date(2026, 4, 15)
    assert owed(nurse, charts).due_date == date(2026, 4, 30)
    assert AuditEvent.objects.filter(action="curriculum.update").count() == 1

    # The same form again (a double submit, or Save without changes): nothing written or queued.
    data["items-INITIAL_FORMS"] = 2
    data["items-1-id"] = found.items.get(object_id=charts.pk).pk
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert trainer_client.post(edit_url(found), data).status_code == 302
    queued.assert_not_called()
    assert found.items.count() == 2
    assert AuditEvent.objects.filter(action="curriculum.update").count() == 1


def test_removing_an_item_withdraws_it(trainer_client, django_capture_on_commit_callbacks):
    bcma, charts = course(lessons=0), course(lessons=0)
    found = curriculum(
        items=[(bcma, Rule.FIXED, date(2026, 5, 1)), (charts, Rule.FIXED, date(2026, 5, 2))]
    )
    nurse = staff()
    assignments_recompute_task()
    first, second = found.items.order_by("sort_order")
    data = form_data(
        existing=2,
        items=[
            {"id": first.pk, "course": bcma.pk, "due_rule": Rule.FIXED, "due_date": "2026-05-01"},
            {
                "id": second.pk,
                "course": charts.pk,
                "due_rule": Rule.FIXED,
                "due_date": "2026-05-02",
                "DELETE": "on",
            },
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert trainer_client.post(edit_url(found), data).status_code == 302
    assert active_pages(nurse) == {bcma.pk}
    assert owed(nurse, charts).status == Assignment.Status.WITHDRAWN


def test_deactivating_a_curriculum_withdraws_its_assignments(
    trainer_client, django_capture_on_commit_callbacks
):
    bcma = course(lessons=0)
    found = curriculum(items=[(bcma, Rule.FIXED, date(2026, 5, 1))])
    nurse = staff()
    assignments_recompute_task()
    item = found.items.get()
    data = form_data(
        existing=1,
        items=[
            {"id": item.pk, "course": bcma.pk, "due_rule": Rule.FIXED, "due_date": "2026-05-01"}
        ],
    )
    del data["active"]
    with django_capture_on_commit_callbacks(execute=True):
        assert trainer_client.post(edit_url(found), data).status_code == 302
    assert active_pages(nurse) == set()


def test_a_superuser_deletes_a_curriculum_and_assignments_are_withdrawn_not_deleted(
    client, django_capture_on_commit_callbacks
):
    bcma = course(lessons=0)
    found = curriculum(items=[(bcma, Rule.FIXED, date(2026, 5, 1))])
    nurse = staff()
    assignments_recompute_task()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cms/courses/curricula/delete/{found.pk}/")
    assert response.status_code == 302
    assert not Curriculum.objects.exists()
    assignment = Assignment.objects.get(staff=nurse)
    assert (assignment.status, assignment.curriculum) == (Assignment.Status.WITHDRAWN, None)
    assert AuditEvent.objects.get(action="curriculum.delete").before["name"] == found.name


def test_the_list_shows_role_departments_and_item_counts(trainer_client):
    ward = DepartmentFactory(code="ICU")
    curriculum(items=[(course(lessons=0), Rule.FIXED, date(2026, 5, 1))], departments=[ward])
    curriculum("doctor", items=[], active=False, name="Doctors")
    html = trainer_client.get(LIST).content.decode()
    assert "nurse curriculum" in html and "Doctors" in html
    assert "ICU" in html and "Whole hospital" in html
    assert "Inactive" in html


@pytest.mark.parametrize("rows", [10, 100])
def test_the_list_keeps_its_query_count(trainer_client, django_assert_max_num_queries, rows):
    ward = DepartmentFactory(code="ICU")
    page = course(lessons=0)
    for n in range(rows):
        curriculum(items=[(page, Rule.FIXED, date(2026, 5, 1))], departments=[ward], name=f"C{n}")
    with django_assert_max_num_queries(20):
        assert trainer_client.get(LIST).status_code == 200


# ---------------------------------------------------------------------------------------------
# Bad input: a clear message, nothing saved, nothing queued


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"due_rule": Rule.FIXED}, "due_date", "A fixed due date needs a date."),
        (
            {"due_rule": Rule.BEFORE_GO_LIVE},
            "due_days",
            "Give the number of days before the department&#x27;s go-live.",
        ),
        ({"due_rule": Rule.AFTER_HIRE}, "due_days", "Give the number of days after the hire date."),
        ({"course": "", "due_days": 3}, "course", "Choose the course this item requires."),
        ({"due_days": -3}, "due_days", "Ensure this value is greater than or equal to 0."),
        ({"course": 999999, "due_days": 3}, "course", "Select a valid choice."),
    ],
)
def test_bad_items_are_refused_with_a_clear_message(
    trainer_client, django_capture_on_commit_callbacks, item, field, message
):
    bcma = course(lessons=0)
    row = {"course": bcma.pk, **item}
    with (
        mock.patch.object(assignments_recompute_task, "delay_on_commit") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = trainer_client.post(ADD, form_data(items=[row]))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "The curriculum could not be created due to errors." in html
    assert not Curriculum.objects.exists() and not CurriculumItem.objects.exists()
    queued.assert_not_called()


def test_the_same_course_twice_is_refused(trainer_client):
    bcma = course(lessons=0)
    response = trainer_client.post(
        ADD,
        form_data(items=[{"course": bcma.pk, "due_days": 3}, {"course": bcma.pk, "due_days": 9}]),
    )
    assert response.status_code == 200
    assert f"{bcma.title} is already in this curriculum: keep one of them." in (
        response.content.decode()
    )
    assert not Curriculum.objects.exists()


def test_a_curriculum_needs_a_name_and_a_role(trainer_client):
    response = trainer_client.post(ADD, form_data(name="", job_role=""))
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2
    assert not Curriculum.objects.exists()


def test_only_published_courses_can_be_chosen(trainer_client):
    course(lessons=0, title="Live course")
    draft = course(lessons=0, title="Draft course")
    draft.unpublish()
    html = trainer_client.get(ADD).content.decode()
    assert "Live course" in html and "Draft course" not in html
    response = trainer_client.post(ADD, form_data(items=[{"course": draft.pk, "due_days": 3}]))
    assert "Select a valid choice." in response.content.decode()


def test_an_unpublished_course_already_in_a_curriculum_stays_editable(trainer_client):
    bcma = course(lessons=0, title="Barcode medication")
    found = curriculum(items=[(bcma, Rule.FIXED, date(2026, 5, 1))])
    bcma.unpublish()
    assert "Barcode medication" in trainer_client.get(edit_url(found)).content.decode()


# ---------------------------------------------------------------------------------------------
# Who gets in


@pytest.mark.parametrize(
    "role", [roles.LEARNER, roles.MANAGER, roles.HR, roles.ROLLOUT_LEAD, roles.AUDITOR]
)
def test_other_roles_cannot_manage_curricula(client, role, trainer):
    found = curriculum(items=[])
    client.force_login(person([role]).user)
    for url in (LIST, ADD, edit_url(found)):
        response = client.get(url)
        assert response.status_code in (302, 403), (url, response.status_code)
        if response.status_code == 302:
            assert "/login" in response["Location"] or response["Location"] in ("/cms/", "/")
    assert client.post(ADD, form_data()).status_code in (302, 403)
    assert Curriculum.objects.count() == 1


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_trainers_cannot_delete_curricula(trainer_client):
    found = curriculum(items=[])
    assert trainer_client.post(f"/cms/courses/curricula/delete/{found.pk}/").status_code in (
        302,
        403,
    )
    assert Curriculum.objects.filter(pk=found.pk).exists()
