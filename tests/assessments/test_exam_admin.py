"""Exams in the Wagtail admin: a trainer defines an exam with fixed questions and random draws
on one page; bad slots and settings are refused with a message saying what to fix, and nothing
is saved; trainers reach only the exams they train; every save is audited."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments.models import Exam
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.factories import StaffFactory, UserFactory, person

from . import factories as f
from .test_trainer_selectors import sit, trains

pytestmark = pytest.mark.django_db

ADD, LIST = "/cms/assessments/exams/new/", "/cms/assessments/exams/"


def edit_url(exam) -> str:
    return f"/cms/assessments/exams/edit/{exam.pk}/"


@pytest.fixture
def trainer(role_groups):
    return person([roles.TRAINER]).user


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def slot(question=None, category=None, count=1, subcategories=True, mark="", **extra) -> dict:
    row = {
        "question": question.pk if question else "",
        "category": category.pk if category else "",
        "count": count,
        "mark": mark,
        **extra,
    }
    if subcategories:
        row["include_subcategories"] = "on"
    return row


def exam_data(slots=(), initial=0, **fields) -> dict:
    data = {
        "title": "Nurses: medication safety",
        "title_zh": "护士:用药安全",
        "intro": "",
        "intro_zh": "",
        "time_limit_minutes": "30",
        "opens_at": "",
        "closes_at": "",
        "max_attempts": "3",
        "cooldown_minutes": "0",
        "pass_mark_percent": "80",
        "grading_method": "highest",
        "review_policy": "immediately",
        "shuffle_questions": "on",
        "shuffle_answers": "on",
        "questions_per_page": "5",
        "published": "on",
        "slots": inline_formset(list(slots), initial=initial),
    }
    data.update(fields)
    return nested_form_data({k: v for k, v in data.items() if v is not None})


def errors(response) -> list[str]:
    """Every error message on the admin form, its slots included."""
    form = response.context["form"]
    found = [str(e) for errs in form.errors.values() for e in errs]
    for slot_form in form.formsets["slots"].forms:
        found += [str(e) for errs in slot_form.errors.values() for e in errs]
    found += [str(e) for e in form.formsets["slots"].non_form_errors()]
    return found


# ---------------------------------------------------------------------------------------------
# Creating and editing


def test_trainer_creates_an_exam_with_fixed_questions_and_a_random_draw(trainer_client, trainer):
    bank = f.category("Medication")
    sub = f.category("High-alert drugs", parent=bank)
    fixed = f.question("single", category_=bank, name="Five rights")
    for _ in range(3):
        f.question("truefalse", category_=sub)
    page = trainer_client.get(ADD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Five rights" in html and "Question or random draw" in html

    response = trainer_client.post(
        ADD,
        exam_data(
            slots=[slot(question=fixed, mark="2"), slot(category=bank, count=3)],
            trainers=[],
        ),
    )
    assert response.status_code == 302, errors(response)
    exam = Exam.objects.get()
    assert exam.title == "Nurses: medication safety" and exam.time_limit_minutes == 30
    rows = list(
        exam.slots.order_by("sort_order").values_list(
            "question_id", "category_id", "count", "include_subcategories", "mark"
        )
    )
    assert rows == [(fixed.pk, None, 1, True, 2), (None, bank.pk, 3, True, None)]
    # Nobody was named: the creator trains it, so it does not end up with nobody.
    assert list(exam.trainers.all()) == [trainer]
    event = AuditEvent.objects.get(action="exam.create")
    assert event.object_id == str(exam.pk)
    assert [s["count"] for s in event.after["slots"]] == [None, 3]


def test_the_add_form_proposes_the_creator_as_trainer(trainer_client, trainer):
    response = trainer_client.get(ADD)
    assert response.context["form"].initial["trainers"] == [trainer.pk]


def test_editing_an_exam_is_audited_with_what_changed(trainer_client, trainer):
    q = f.question("single")
    exam = f.exam(questions=[q], pass_mark_percent=80)
    trains(exam, trainer)
    slot_id = exam.slots.get().pk
    data = exam_data(
        slots=[slot(question=q, id=slot_id)],
        initial=1,
        title=exam.title,
        pass_mark_percent="75",
        trainers=[trainer.pk],
    )
    response = trainer_client.post(edit_url(exam), data)
    assert response.status_code == 302, errors(response)
    exam.refresh_from_db()
    assert exam.pass_mark_percent == 75
    event = AuditEvent.objects.get(action="exam.update")
    assert event.before["pass_mark_percent"] == "80.00"
    assert event.after["pass_mark_percent"] == "75"


# ---------------------------------------------------------------------------------------------
# What is refused


def refused(client, data, url=ADD) -> list[str]:
    before = Exam.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200, "the form was accepted"
    assert Exam.objects.count() == before
    return errors(response)


def test_a_slot_is_a_question_or_a_category_not_both_nor_neither(trainer_client):
    q = f.question("single")
    both = refused(trainer_client, exam_data(slots=[slot(question=q, category=q.category)]))
    assert "Choose a fixed question or a category to draw from, not both." in both
    neither = refused(trainer_client, exam_data(slots=[slot(mark="1")]))
    assert "Choose a question, or a category to draw random questions from." in neither


def test_a_random_draw_cannot_ask_more_than_the_category_holds(trainer_client):
    bank = f.category("Billing")
    sub = f.category("Refunds", parent=bank)
    f.question("single", category_=bank)
    f.question("single", category_=bank, archived=True)  # never drawn
    f.question("single", category_=sub)
    f.question("single", category_=sub)
    # Without subcategories: 1 question that can be drawn.
    messages = refused(
        trainer_client, exam_data(slots=[slot(category=bank, count=2, subcategories=False)])
    )
    assert any("holds 1 questions that can be drawn" in m and "asks for 2" in m for m in messages)
    # With them: 3, so 3 is fine and 4 is not.
    messages = refused(trainer_client, exam_data(slots=[slot(category=bank, count=4)]))
    assert any("holds 3 questions" in m and "subcategories included" in m for m in messages)
    response = trainer_client.post(ADD, exam_data(slots=[slot(category=bank, count=3)]))
    assert response.status_code == 302, errors(response)


def test_draws_share_their_categories_with_fixed_questions_and_each_other(trainer_client):
    bank = f.category("Orders")
    sub = f.category("Lab orders", parent=bank)
    top = [f.question("single", category_=bank) for _ in range(2)]
    labs = [f.question("single", category_=sub) for _ in range(2)]
    # A fixed question is not drawn again: 4 questions, 1 fixed, 3 left for the draw.
    messages = refused(
        trainer_client, exam_data(slots=[slot(question=top[0]), slot(category=bank, count=4)])
    )
    assert any("holds 3 questions" in m for m in messages)
    # The draw of the whole tree may take both lab questions before the lab draw runs.
    messages = refused(
        trainer_client,
        exam_data(slots=[slot(category=bank, count=2), slot(category=sub, count=2)]),
    )
    assert any("the draws above may take up to 2" in m for m in messages)
    # In the other order it always works: labs first, then 2 of the 2 left.
    response = trainer_client.post(
        ADD, exam_data(slots=[slot(category=sub, count=2), slot(category=bank, count=2)])
    )
    assert response.status_code == 302, errors(response)
    assert labs  # both lab questions exist for the draws above


def test_the_same_fixed_question_twice_is_refused(trainer_client):
    q = f.question("single")
    messages = refused(trainer_client, exam_data(slots=[slot(question=q), slot(question=q)]))
    assert "This question is already in the exam (question 1)." in messages


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"opens_at": "2026-05-02 09:00", "closes_at": "2026-05-01 09:00"},
            "The exam must close after it opens.",
        ),
        (
            {"opens_at": "2026-05-01 09:00", "closes_at": "2026-05-01 09:00"},
            "The exam must close after it opens.",
        ),
        ({"pass_mark_percent": "101"}, "Ensure this value is less than or equal to 100."),
        ({"pass_mark_percent": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"time_limit_minutes": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"questions_per_page": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_settings_are_checked(trainer_client, fields, message):
    q = f.question("single")
    assert message in refused(trainer_client, exam_data(slots=[slot(question=q)], **fields))


def test_a_published_exam_needs_a_question_but_a_draft_does_not(trainer_client):
    assert "Add at least one question before publishing." in refused(
        trainer_client, exam_data(slots=[])
    )
    response = trainer_client.post(ADD, exam_data(slots=[], published=None))
    assert response.status_code == 302, errors(response)
    assert Exam.objects.get().published is False


def test_no_time_limit_is_allowed(trainer_client):
    q = f.question("single")
    response = trainer_client.post(ADD, exam_data(slots=[slot(question=q)], time_limit_minutes=""))
    assert response.status_code == 302, errors(response)
    assert Exam.objects.get().time_limit_minutes is None


# ---------------------------------------------------------------------------------------------
# Who reaches which exam


def test_trainers_list_and_edit_only_the_exams_they_train(trainer_client, trainer):
    mine, theirs = f.exam(title="Mine"), f.exam(title="Theirs")
    trains(mine, trainer)
    trains(theirs, person([roles.TRAINER]).user)
    html = trainer_client.get(LIST).content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert trainer_client.get(edit_url(mine)).status_code == 200
    assert trainer_client.get(edit_url(theirs)).status_code == 404
    data = exam_data(slots=[], title="Taken over", published=None, trainers=[trainer.pk])
    assert trainer_client.post(edit_url(theirs), data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs" and trainer not in theirs.trainers.all()


def test_superusers_see_every_exam(client):
    f.exam(title="Anyone's")
    client.force_login(UserFactory(is_superuser=True))
    assert "Anyone&#x27;s" in client.get(LIST).content.decode()


def test_learners_do_not_reach_the_exam_admin(client, role_groups):
    client.force_login(person([roles.LEARNER]).user)
    assert client.get(ADD).status_code in (302, 403)


def test_an_attempted_exam_is_never_deleted_an_unused_one_is_with_an_audit(client):
    q = f.question("single")
    used, unused = f.exam(questions=[q], title="Used"), f.exam(questions=[q], title="Unused")
    sit(used, StaffFactory(), [(q, {"choice": 0})])
    client.force_login(UserFactory(is_superuser=True))
    response = client.post(f"/cms/assessments/exams/delete/{used.pk}/", follow=True)
    assert "their attempts are kept as evidence" in response.content.decode()
    assert Exam.objects.filter(pk=used.pk).exists()
    response = client.post(f"/cms/assessments/exams/delete/{unused.pk}/")
    assert response.status_code == 302
    assert not Exam.objects.filter(pk=unused.pk).exists()
    event = AuditEvent.objects.get(action="exam.delete")
    assert event.before["title"] == "Unused"


def test_trainers_cannot_delete_exams(trainer_client, trainer):
    exam = f.exam(title="Mine")
    trains(exam, trainer)
    response = trainer_client.post(f"/cms/assessments/exams/delete/{exam.pk}/")
    assert response.status_code in (302, 403)
    assert Exam.objects.filter(pk=exam.pk).exists()
