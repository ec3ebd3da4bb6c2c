"""The question bank in the Wagtail admin, as a trainer uses it: questions of every type through
the form (and the rules that refuse broken ones), versions when an attempted question is
edited, regrading after a wrong key, categories as a tree, import (upload -> preview -> confirm,
all or nothing) and export, and who may get in."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.models import (
    Attempt,
    AttemptQuestion,
    Question,
    QuestionCategory,
    QuestionVersion,
)
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.assessments import factories
from tests.factories import UserFactory, job_role, person

pytestmark = pytest.mark.django_db

QUESTIONS = "/cms/assessments/questions/"
ADD = QUESTIONS + "new/"
CATEGORIES = "/cms/assessments/categories/"
IMPORT = "/cms/assessments/transfer/import/"
EXPORT = "/cms/assessments/transfer/export/"


def edit_url(question) -> str:
    return f"{QUESTIONS}edit/{question.pk}/"


def regrade_url(question) -> str:
    return f"{QUESTIONS}regrade/{question.pk}/"


@pytest.fixture
def trainer(db):
    return person([roles.LEARNER, roles.TRAINER]).user


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def question_data(category, qtype, answers=(), existing=(), **fields) -> dict:
    """The question form's POST. `answers`: dicts of row fields; `existing`: the pks of the
    rows already saved (in the same order, first)."""
    data = {
        "category": category.pk,
        "qtype": qtype,
        "name": f"A {qtype} question",
        "text": "<p>What is right?</p>",
        "text_zh": "",
        "text_format": "html",
        "default_mark": "1",
        "shuffle_answers": "on",
        "general_feedback": "",
        "general_feedback_zh": "",
        "his_module": "general",
        "difficulty": "medium",
        "keywords": "",
        "idnumber": "",
        "answers-TOTAL_FORMS": len(answers),
        "answers-INITIAL_FORMS": len(existing),
        "answers-MIN_NUM_FORMS": 0,
        "answers-MAX_NUM_FORMS": 1000,
    }
    data.update(fields)
    for index, answer in enumerate(answers):
        row = {
            "text": "",
            "text_zh": "",
            "fraction": "0",
            "feedback": "",
            "feedback_zh": "",
            "tolerance": "0",
            "match": "",
            "match_zh": "",
            "ORDER": index + 1,
            "id": existing[index] if index < len(existing) else "",
        }
        row.update(answer)
        data.update({f"answers-{index}-{key}": value for key, value in row.items()})
    return data


def rows(*pairs, **extra):
    return [{"text": text, "fraction": str(percent), **extra} for text, percent in pairs]


VALID = {
    "single": rows(("Scan the wristband", 100), ("Ask the bed number", 0)),
    "multiple": rows(("Approval", 50), ("Receipt", 50), ("Cash", -100)),
    "truefalse": rows(("True", 0), ("false", 100)),
    "shortanswer": rows(("wrist*", 100)),
    "numerical": [{"text": "12,5", "fraction": "100", "tolerance": "0.01"}],
    "matching": [
        {"text": "Cashier", "match": "Billing"},
        {"text": "Nurse", "match": "Medication"},
        {"text": "", "match": "Beds"},
    ],
    "essay": [],
    "description": [],
}


# ---------------------------------------------------------------------------------------------
# Creating questions


@pytest.mark.parametrize("qtype", list(VALID))
def test_trainer_creates_a_question_of_each_type(trainer_client, trainer, qtype):
    category = factories.category("Ward")
    page = trainer_client.get(ADD)
    assert page.status_code == 200 and "Answers" in page.content.decode()
    # A blank extra row (added and left empty) is dropped, not saved.
    answers = [*VALID[qtype], {}]
    response = trainer_client.post(ADD, question_data(category, qtype, answers))
    assert response.status_code == 302, response.context["form"].errors
    question = Question.objects.get()
    assert (question.qtype, question.category, question.created_by) == (qtype, category, trainer)
    version = question.versions.get()
    assert version.number == 1 and version.created_by == trainer
    saved = [(a["text"], a["match"]) for a in version.content["answers"]]
    assert len(saved) == len(VALID[qtype])
    if qtype == "truefalse":
        assert [(a["text"], a["fraction"]) for a in version.content["answers"]] == [
            ("true", 0.0),
            ("false", 1.0),
        ]
    if qtype == "numerical":
        assert saved == [("12.5", "")]  # the decimal comma is tidied
    if qtype == "matching":
        assert saved == [("Cashier", "Billing"), ("Nurse", "Medication"), ("", "Beds")]
    if qtype == "description":
        assert question.default_mark == 0


@pytest.mark.parametrize(
    ("qtype", "answers", "message"),
    [
        ("single", rows(("a", 50), ("b", 0)), "One answer must be worth 100%"),
        ("single", rows(("a", 100)), "at least two answers"),
        ("multiple", rows(("a", 50), ("b", 25)), "add up to 100% (they add up to 75%)"),
        ("truefalse", rows(("yes", 100), ("no", 0)), "exactly two answers"),
        ("shortanswer", [], "at least one answer worth 100%"),
        ("numerical", rows(("five", 100)), "is not a number"),
        (
            "matching",
            [{"text": "a", "match": "1"}, {"text": "b", "match": "2"}],
            "at least two sub-questions and three answers",
        ),
        ("essay", rows(("model answer", 0)), "has no answers"),
    ],
)
def test_broken_questions_are_refused_with_a_clear_message(trainer_client, qtype, answers, message):
    category = factories.category()
    response = trainer_client.post(ADD, question_data(category, qtype, answers))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.non_field_errors()), form.non_field_errors()
    assert message in response.content.decode().replace("&quot;", '"')
    assert not Question.objects.exists()


def test_question_form_lists_categories_by_path(trainer_client):
    parent = factories.category("Nursing")
    factories.category("Medication", parent=parent)
    html = trainer_client.get(ADD).content.decode()
    assert ">Nursing/Medication<" in html


# ---------------------------------------------------------------------------------------------
# Versions and regrading


def finished_attempt(question, response, fraction, mark, in_exam=True):
    staff = person([roles.LEARNER])
    exam = factories.exam(questions=[question] if in_exam else [])
    now = timezone.now()
    attempt = Attempt.objects.create(
        exam=exam,
        staff=staff,
        number=1,
        state=Attempt.State.FINISHED,
        started_at=now,
        finished_at=now,
        finished_by=Attempt.FinishedBy.LEARNER,
        marks=Decimal(mark),
        max_marks=Decimal(1),
        percent=Decimal(mark) * 100,
        passed=mark >= 1,
    )
    aq = AttemptQuestion.objects.create(
        attempt=attempt,
        position=0,
        version=question.versions.get(),
        answer_order=[0, 1],
        max_mark=Decimal(1),
        response=response,
        fraction=Decimal(fraction),
        mark=Decimal(mark),
    )
    return attempt, aq


def test_editing_an_attempted_question_adds_a_version_and_the_attempt_keeps_its_own(
    trainer_client, trainer
):
    question = factories.question(
        "single", answers=[("Scan the wristband", 100), ("Ask the name", 0)]
    )
    first = question.versions.get()
    _attempt, aq = finished_attempt(question, {"choice": 0}, 1, 1)
    existing = list(question.answers.values_list("pk", flat=True))
    data = question_data(
        question.category,
        "single",
        rows(("Scan the wristband and ask the name", 100), ("Ask the name", 0)),
        existing=existing,
        name=question.name,
    )
    response = trainer_client.post(edit_url(question), data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 2 saved; attempts on earlier versions keep theirs." in html
    assert list(question.versions.values_list("number", flat=True)) == [2, 1]
    aq.refresh_from_db()
    first.refresh_from_db()
    assert aq.version == first
    assert first.content["answers"][0]["text"] == "Scan the wristband"
    assert question.versions.get(number=2).created_by == trainer
    # The edit page lists the versions, with the attempts on each.
    page = trainer_client.get(edit_url(question)).content.decode()
    versions = page[page.index("data-question-versions") :]
    assert re.search(r"<td>2\b.*?<td>0</td>", versions, re.S)
    assert re.search(r"<td>1</td>.*?<td>1</td>", versions, re.S)


def test_editing_a_question_nobody_attempted_updates_its_version(trainer_client):
    question = factories.question("shortanswer", answers=[("wristband", 100)])
    existing = list(question.answers.values_list("pk", flat=True))
    data = question_data(
        question.category, "shortanswer", rows(("armband", 100)), existing=existing
    )
    response = trainer_client.post(edit_url(question), data, follow=True)
    assert "Version 2" not in response.content.decode()
    version = question.versions.get()
    assert version.number == 1 and version.content["answers"][0]["text"] == "armband"


def test_correcting_a_wrong_key_regrades_earlier_attempts(trainer_client):
    # The key said "Ask the name" was right; a learner chose the truly right answer and got 0.
    question = factories.question(
        "single", answers=[("Scan the wristband", 0), ("Ask the name", 100)]
    )
    attempt, aq = finished_attempt(question, {"choice": 0}, 0, 0)
    existing = list(question.answers.values_list("pk", flat=True))
    data = question_data(
        question.category,
        "single",
        rows(("Scan the wristband", 100), ("Ask the name", 0)),
        existing=existing,
        name=question.name,
        text=question.text,
    )
    assert trainer_client.post(edit_url(question), data).status_code == 302
    assert question.versions.count() == 2

    page = trainer_client.get(regrade_url(question))
    assert page.status_code == 200 and "Use this when the key was wrong" in page.content.decode()
    response = trainer_client.post(regrade_url(question))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.versions_updated, report.attempts_regraded, report.attempts_changed) == (
        1,
        1,
        1,
    )
    assert "data-regrade-report" in response.content.decode()
    aq.refresh_from_db()
    attempt.refresh_from_db()
    assert aq.fraction == 1 and attempt.marks == 1
    assert AuditEvent.objects.filter(action="attempt.regrade").count() == 1


# ---------------------------------------------------------------------------------------------
# Lists


def test_category_tree_with_counts_and_constant_queries(
    trainer_client, django_assert_max_num_queries
):
    nursing = factories.category("Nursing")
    medication = factories.category("Medication", parent=nursing)
    factories.category("Billing")
    factories.question("single", category_=medication)
    factories.question("essay", category_=medication, archived=True)
    with django_assert_max_num_queries(40) as few:
        response = trainer_client.get(CATEGORIES)
    html = response.content.decode()

    def few_page(_html):
        return response.context["object_list"]

    listed = [(c.tree_path, c.active_count, c.question_count) for c in few_page(html)]
    assert listed == [("Billing", 0, 0), ("Nursing", 0, 0), ("Nursing/Medication", 1, 2)]
    assert "\u2003Medication" in html  # indented under its parent
    for index in range(20):
        parent = factories.category(f"Extra {index}", parent=medication)
        factories.question("single", category_=parent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        trainer_client.get(CATEGORIES)


def test_category_cannot_move_under_its_own_subcategory(trainer_client):
    nursing = factories.category("Nursing")
    medication = factories.category("Medication", parent=nursing)
    page = trainer_client.get(f"{CATEGORIES}edit/{nursing.pk}/").content.decode()
    assert f'value="{medication.pk}"' not in page
    response = trainer_client.post(
        f"{CATEGORIES}edit/{nursing.pk}/",
        {"parent": medication.pk, "name": "Nursing", "name_zh": "", "info": ""},
    )
    assert response.status_code == 200
    assert "cannot be moved into itself" in response.content.decode()
    nursing.refresh_from_db()
    assert nursing.parent is None


def test_question_list_filters_and_searches(trainer_client, django_assert_max_num_queries):
    nursing = factories.category("Nursing")
    medication = factories.category("Medication", parent=nursing)
    billing = factories.category("Billing")
    drug = factories.question("single", category_=medication, name="Five rights")
    refund = factories.question("truefalse", category_=billing, name="Refund rule")
    drug.job_roles.add(job_role("nurse"))
    drug.save()  # a ParentalManyToManyField is written on save

    def names(query: str) -> set[str]:
        html = trainer_client.get(QUESTIONS + query).content.decode()
        return {name for name in ("Five rights", "Refund rule") if name in html}

    assert names("") == {"Five rights", "Refund rule"}
    assert names(f"?category={nursing.pk}") == {"Five rights"}  # subcategories included
    assert names("?qtype=truefalse") == {"Refund rule"}
    assert names(f"?job_roles={job_role('nurse').pk}") == {"Five rights"}
    assert names("?q=refund") == {"Refund rule"}
    assert refund.pk
    with django_assert_max_num_queries(40) as few:
        trainer_client.get(QUESTIONS)
    for _ in range(15):
        factories.question("multiple", category_=factories.category(parent=medication))
    with django_assert_max_num_queries(len(few.captured_queries)):
        trainer_client.get(QUESTIONS)


# ---------------------------------------------------------------------------------------------
# Import


GIFT = """\
$CATEGORY: $course$/top/Nursing/Medication

::Five rights::Which check comes first?{=Scan the wristband ~Ask the bed number}

::Allergy::An allergy alert may be overridden without a reason.{F}

$CATEGORY: $course$/top/Billing

::Change::A bill of 37.5 paid with 50: the change?{#12.5}
"""

BROKEN_GIFT = """\
::Fine::Which check comes first?{=Scan the wristband ~Ask the bed number}

::No key::Which are right?{
    ~a
    ~b
}
"""

XML_WITH_CLOZE = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Scan first</text></name>
    <questiontext format="html"><text>Scan before giving.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="multianswer">
    <name><text>Dosage cloze</text></name>
    <questiontext format="html"><text>{1:NUMERICAL:=5}</text></questiontext>
  </question>
</quiz>
"""


def upload(client, content: bytes, fmt="gift", category="", name="bank.gift"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        IMPORT,
        {"file": SimpleUploadedFile(name, content), "format": fmt, "category": category},
    )


def test_import_preview_then_confirm(trainer_client, trainer):
    factories.category("Go-live")
    response = upload(trainer_client, GIFT.encode(), category="Go-live")
    assert response.status_code == 302
    preview_url = response["Location"]
    assert preview_url.startswith(IMPORT)

    page = trainer_client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 questions" in html and "Nothing has been saved yet." in html
    assert "Go-live/Nursing/Medication" in html and "Go-live/Billing" in html
    assert [(path, new) for path, new in page.context["categories"]] == [
        ("Go-live", False),
        ("Go-live/Nursing", True),
        ("Go-live/Nursing/Medication", True),
        ("Go-live/Billing", True),
    ]
    assert "Scan the wristband" in html and "data-import-confirm" in html
    # The file stays on the server: the confirm form carries no content.
    form = html[html.rindex("<form") :]
    assert "Scan the wristband" not in form and 'type="file"' not in form
    assert not Question.objects.exists() and QuestionCategory.objects.count() == 1

    done = trainer_client.post(preview_url, follow=True)
    assert "3 questions imported; 3 new categories." in done.content.decode()
    assert Question.objects.count() == 3 and QuestionVersion.objects.count() == 3
    assert Question.objects.get(name="Change").category.path == "Go-live/Billing"
    assert AuditEvent.objects.get(action="questions.import").actor_id == trainer.pk
    # The preview is used up: confirming again imports nothing more.
    again = trainer_client.post(preview_url, follow=True)
    assert "expired" in again.content.decode() and Question.objects.count() == 3


def test_import_with_an_error_changes_nothing_and_shows_the_line(trainer_client):
    preview_url = upload(trainer_client, BROKEN_GIFT.encode())["Location"]
    page = trainer_client.get(preview_url)
    html = page.content.decode()
    assert "data-import-confirm" not in html
    assert "line 3" in html and "all or nothing" in html
    assert [e.line for e in page.context["result"].errors] == [3]
    # Posting the confirmation anyway is refused.
    response = trainer_client.post(preview_url, follow=True)
    assert "nothing was imported" in response.content.decode()
    assert not Question.objects.exists() and not QuestionCategory.objects.exists()


def test_import_lists_unsupported_types_by_name_and_position(trainer_client):
    preview_url = upload(trainer_client, XML_WITH_CLOZE, fmt="moodlexml", name="quiz.xml")[
        "Location"
    ]
    html = trainer_client.get(preview_url).content.decode()
    table = html[html.index("data-import-unsupported") :]
    assert re.search(r"multianswer.*?Dosage cloze.*?question 2", table, re.S)
    trainer_client.post(preview_url)
    assert list(Question.objects.values_list("name", flat=True)) == ["Scan first"]


def test_a_moodle_xml_file_sent_as_gift_is_caught_at_upload(trainer_client):
    response = upload(trainer_client, XML_WITH_CLOZE, fmt="gift", name="quiz.xml")
    assert response.status_code == 200
    assert "looks like Moodle XML" in response.content.decode()


def test_someone_elses_preview_is_not_shown(trainer_client, client):
    preview_url = upload(trainer_client, GIFT.encode())["Location"]
    other = person([roles.TRAINER]).user
    client.force_login(other)
    response = client.get(preview_url)
    assert response.status_code == 302 and response["Location"].endswith(IMPORT)
    client.post(preview_url)
    assert not Question.objects.exists()


def test_a_file_that_is_not_utf8_or_gbk_is_explained(trainer_client):
    preview_url = upload(trainer_client, b"::A::Q{=a ~b}\n::B::\xff\xfe\xff{=a ~b}\n")["Location"]
    html = trainer_client.get(preview_url).content.decode()
    assert "neither UTF-8 nor GBK" in html and "line 2" in html


# ---------------------------------------------------------------------------------------------
# Export


def download(client, query: str) -> tuple[bytes, str]:
    response = client.get(EXPORT + query)
    assert response.status_code == 200
    return response.content, response["Content-Disposition"]


@pytest.mark.parametrize("fmt", ["gift", "moodlexml"])
def test_export_a_category_and_import_it_back(trainer_client, fmt):
    nursing = factories.category("Nursing")
    medication = factories.category("Medication", parent=nursing)
    originals = [
        factories.question(qtype, category_=medication)
        for qtype in ("single", "multiple", "truefalse", "numerical", "matching", "essay")
    ]
    factories.question("single", category_=factories.category("Billing"))  # not exported

    content, disposition = download(trainer_client, f"?format={fmt}&category={nursing.pk}")
    extension = "gift" if fmt == "gift" else "xml"
    assert 'filename="questions-nursing-' in disposition and disposition.endswith(f'.{extension}"')

    preview_url = upload(trainer_client, content, fmt=fmt, category="Copy", name=f"x.{extension}")[
        "Location"
    ]
    trainer_client.post(preview_url)
    copies = Question.objects.filter(category__name="Medication", category__parent__name="Nursing")
    copies = copies.exclude(pk__in=[q.pk for q in originals])
    assert copies.count() == len(originals)
    assert copies.first().category.path == "Copy/Nursing/Medication"
    for original in originals:
        copy = copies.get(name=original.name)
        theirs, mine = copy.versions.get().content, original.versions.get().content
        if fmt == "gift":  # GIFT has no shuffle, case sensitivity or mark (see gift.py)
            for key in ("shuffle", "case_sensitive", "default_mark"):
                theirs.pop(key), mine.pop(key)
        else:  # "1" from the factory's unsaved instance, "1.00" read back
            assert Decimal(theirs.pop("default_mark")) == Decimal(mine.pop("default_mark"))
        assert theirs == mine


def test_export_follows_the_question_list_filters_and_ids(trainer_client):
    category = factories.category("Ward")
    tf = factories.question("truefalse", category_=category, name="TF one")
    factories.question("single", category_=category, name="Single one")
    content, _disposition = download(trainer_client, "?format=gift&qtype=truefalse")
    assert b"TF one" in content and b"Single one" not in content
    content, _disposition = download(trainer_client, f"?format=moodlexml&ids={tf.pk}")
    assert content.count(b'<question type="truefalse">') == 1 and b"Single one" not in content
    list_page = trainer_client.get(QUESTIONS + "?qtype=truefalse").content.decode()
    assert "format=gift" in list_page and "qtype=truefalse" in list_page
    form = trainer_client.get(EXPORT).content.decode()
    assert "Ward" in form


# ---------------------------------------------------------------------------------------------
# Who gets in


@pytest.mark.parametrize(
    "url",
    [QUESTIONS, ADD, CATEGORIES, IMPORT, EXPORT, EXPORT + "?format=gift", "regrade", "edit"],
)
def test_learners_and_other_roles_stay_out(client, url):
    question = factories.question("single")
    url = {"regrade": regrade_url(question), "edit": edit_url(question)}.get(url, url)
    learner = person([roles.LEARNER]).user
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(url).status_code == 302
    # HR has the admin but not the question bank.
    client.force_login(person([roles.HR]).user)
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, "/cms/")  # "no permission"
    assert Question.objects.count() == 1


def test_import_menu_item_only_for_those_who_may_add(client, trainer_client):
    home = trainer_client.get("/cms/").content.decode()
    assert "Question bank" in home and "Import questions" in home
    client.force_login(person([roles.HR]).user)
    home = client.get("/cms/").content.decode()
    assert "Import questions" not in home and "Question bank" not in home


def test_deleting_what_is_in_use_is_refused_not_a_crash(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    category = factories.category("Ward")
    unused = factories.question("single", category_=category)
    used = factories.question("single", category_=category)
    # Attempted, though no longer in the exam (an exam slot would protect it too: Wagtail's
    # reference index refuses that delete by itself).
    finished_attempt(used, {"choice": 0}, 1, 1, in_exam=False)

    response = client.post(f"{QUESTIONS}delete/{used.pk}/", follow=True)
    assert "archive it instead" in response.content.decode()
    assert Question.objects.filter(pk=used.pk).exists() and used.versions.count() == 1
    # A category with questions: refused by Wagtail's reference index or by the view.
    response = client.post(f"{CATEGORIES}delete/{category.pk}/", follow=True)
    assert response.status_code == 200 and QuestionCategory.objects.filter(pk=category.pk).exists()

    assert client.post(f"{QUESTIONS}delete/{unused.pk}/").status_code == 302
    assert not Question.objects.filter(pk=unused.pk).exists()
