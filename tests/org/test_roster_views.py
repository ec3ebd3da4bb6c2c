"""The roster import in the browser, as HR: upload, preview, confirm, applied; and who may not."""

from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.accounts.roles import HR, LEARNER, MANAGER
from portal.org import services
from portal.org.models import RosterImport, StaffMember
from portal.org.tasks import roster_import_apply_task
from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, person
from tests.org.test_roster_read import cells, db_counts, roster_csv, roster_xlsx


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED")


@pytest.fixture
def hr(db):
    return UserFactory(email="hr@hospital.example", roles=[HR])


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


def upload(client, data: bytes, name="roster.csv"):
    response = client.post(
        reverse("org:roster_import_list"), {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content[:500]
    imp = RosterImport.objects.latest("pk")
    assert response["Location"] == reverse("org:roster_import_detail", args=[imp.pk])
    return imp


def confirm(client, imp, capture, **form):
    with capture(execute=True):
        response = client.post(reverse("org:roster_import_confirm", args=[imp.pk]), form)
    assert response.status_code == 302
    imp.refresh_from_db()
    return response


def page(client, imp) -> str:
    response = client.get(reverse("org:roster_import_detail", args=[imp.pk]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Upload, preview, confirm, applied


def test_upload_previews_and_confirm_applies(hr_client, hr, ed, django_capture_on_commit_callbacks):
    leaving = StaffFactory(employee_no="E1", full_name="Leaving Person", department=ed)
    moved = StaffFactory(employee_no="E2", full_name="Moved Person", department=ed, title="护士")
    rows = [
        cells(employee_no="E2", full_name="Moved Person", email=moved.user.email, title="护师长"),
        cells(employee_no="N1", full_name="王芳", email="wang.fang@hospital.example"),
    ]
    before = db_counts()

    imp = upload(hr_client, roster_xlsx(rows), name="名单.xlsx")

    assert imp.status == RosterImport.Status.PREVIEWED
    assert imp.uploaded_by == hr
    assert imp.filename == "名单.xlsx"
    assert db_counts() == before  # a preview writes nothing
    preview = page(hr_client, imp)
    assert "Ready to confirm" in preview
    assert "王芳" in preview  # new
    assert "护师长" in preview  # changed title, shown old → new
    assert "Leaving Person" in preview  # missing from the file
    assert "Confirm and apply" in preview

    confirm(hr_client, imp, django_capture_on_commit_callbacks, deactivate_missing="on")

    assert imp.status == RosterImport.Status.APPLIED
    assert imp.deactivate_missing is True
    assert imp.applied_at is not None
    assert (imp.summary["new"], imp.summary["changed"], imp.summary["deactivated"]) == (1, 1, 1)
    assert StaffMember.objects.get(employee_no="N1").full_name == "王芳"
    moved.refresh_from_db()
    leaving.refresh_from_db()
    assert (moved.title, leaving.active) == ("护师长", False)
    applied = page(hr_client, imp)
    assert "Applied." in applied
    assert "Confirm and apply" not in applied
    progress = hr_client.get(reverse("org:roster_import_progress", args=[imp.pk])).json()
    assert progress["status"] == "applied"
    assert progress["state"] == "done"
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor_id == hr.pk
    assert str(imp.pk) in event.after["source"]
    assert audit_chain_verify().ok


def test_upload_with_errors_shows_them_per_row(hr_client, ed, django_capture_on_commit_callbacks):
    rows = [cells(employee_no="N1"), cells(employee_no="N1", department_code="XX")]
    before = db_counts()

    imp = upload(hr_client, roster_csv(rows))

    assert imp.status == RosterImport.Status.INVALID
    html = page(hr_client, imp)
    assert "nothing has been changed" in html
    assert (
        "<td>3</td><td>employee_no</td><td>Employee number N1 also appears on row 2.</td>" in html
    )
    assert "<td>3</td><td>department_code</td><td>Unknown department code XX.</td>" in html
    assert "Confirm and apply" not in html
    # Posting a confirm anyway (a stale tab, a crafted request) applies nothing.
    response = confirm(hr_client, imp, django_capture_on_commit_callbacks)
    assert imp.status == RosterImport.Status.INVALID
    assert "already confirmed" in hr_client.get(response["Location"]).content.decode()
    assert db_counts() == before


def test_file_level_error_is_shown(hr_client, db):
    imp = upload(hr_client, roster_csv([cells()], header=["employee_no", "name"]))

    assert imp.status == RosterImport.Status.INVALID
    assert "Missing columns" in page(hr_client, imp)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n", "upload a file ending in .csv, .txt, .xlsx"),
        ("roster.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "holds binary data"),
    ],
)
def test_a_file_of_another_type_is_refused_by_the_form(hr_client, db, name, data, words):
    response = hr_client.post(
        reverse("org:roster_import_list"), {"file": SimpleUploadedFile(name, data)}
    )

    assert response.status_code == 200
    assert words in response.content.decode()
    assert not RosterImport.objects.exists()


def test_upload_over_the_size_limit_is_refused_by_the_form(hr_client, ed, settings):
    settings.ROSTER_MAX_BYTES = 100
    data = roster_csv([cells(employee_no=f"N{i}") for i in range(5)])

    response = hr_client.post(
        reverse("org:roster_import_list"), {"file": SimpleUploadedFile("big.csv", data)}
    )

    assert response.status_code == 200
    assert "Split it into smaller files" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_double_confirm_applies_once(hr_client, ed, django_capture_on_commit_callbacks):
    imp = upload(hr_client, roster_csv([cells(employee_no="N1", email="n1@hospital.example")]))
    url = reverse("org:roster_import_confirm", args=[imp.pk])

    # Two submits before the worker runs (a double click), then one after it ran.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        first = hr_client.post(url)
        second = hr_client.post(url, {"deactivate_missing": "on"})
    third = hr_client.post(url)

    assert sum("roster_import_apply_task" in repr(callback) for callback in queued) == 1
    assert first.status_code == second.status_code == third.status_code == 302
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.APPLIED
    assert imp.deactivate_missing is False  # the second submit changed nothing
    assert StaffMember.objects.filter(employee_no="N1").count() == 1
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    assert len(mail.outbox) == 1  # and one invitation
    assert "already confirmed" in hr_client.get(third["Location"]).content.decode()


def test_a_redelivered_apply_task_is_a_no_op(hr_client, ed, django_capture_on_commit_callbacks):
    imp = upload(hr_client, roster_csv([cells(employee_no="N1")]))
    confirm(hr_client, imp, django_capture_on_commit_callbacks)
    counts = db_counts()

    with django_capture_on_commit_callbacks(execute=True):
        status = roster_import_apply_task.delay(imp.pk).get()

    assert status == RosterImport.Status.APPLIED
    assert db_counts() == counts


def test_new_errors_at_apply_time_fail_the_import(
    hr_client, ed, django_capture_on_commit_callbacks
):
    rows = [
        cells(employee_no="N1", email="n1@hospital.example"),
        cells(employee_no="N2", email="n2@hospital.example"),
    ]
    imp = upload(hr_client, roster_csv(rows))
    assert imp.status == RosterImport.Status.PREVIEWED
    # Between preview and confirm someone else takes N2's email.
    UserFactory(email="n2@hospital.example")
    before = db_counts()

    confirm(hr_client, imp, django_capture_on_commit_callbacks)

    assert imp.status == RosterImport.Status.FAILED
    assert imp.errors == [
        {
            "row": 3,
            "column": "email",
            "message": "Email n2@hospital.example already belongs to another account.",
        }
    ]
    assert db_counts() == before  # N1, though fine, was not applied either
    assert "already belongs to another account" in page(hr_client, imp)
    progress = hr_client.get(reverse("org:roster_import_progress", args=[imp.pk])).json()
    assert (progress["status"], progress["state"]) == ("failed", "failed")


def test_an_apply_that_crashes_is_marked_failed(hr_client, ed, django_capture_on_commit_callbacks):
    StaffFactory(employee_no="E1", department=ed)
    imp = upload(hr_client, roster_csv([cells(employee_no="N1", email="n1@hospital.example")]))
    before = db_counts()

    with mock.patch.object(services, "audit_record_many", side_effect=RuntimeError("db gone")):
        with pytest.raises(RuntimeError):
            confirm(hr_client, imp, django_capture_on_commit_callbacks, deactivate_missing="on")

    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.FAILED  # not "Queued" for ever
    assert imp.errors[0]["message"].startswith(
        "The import could not be applied (RuntimeError); nothing was changed."
    )
    assert db_counts() == before
    assert mail.outbox == []
    assert "nothing was changed" in page(hr_client, imp)


def test_the_template_imports_cleanly(hr_client, ed):
    response = hr_client.get(reverse("org:roster_template"))
    assert response["Content-Type"].startswith("text/csv")

    imp = upload(hr_client, response.content, name="roster-template.csv")

    assert imp.status == RosterImport.Status.PREVIEWED
    assert imp.summary["new"] == 1


# ---------------------------------------------------------------------------------------------
# Who may


def test_imports_are_shared_by_hr(client, hr, ed, django_capture_on_commit_callbacks):
    imp = services.roster_import_create(
        actor=hr, filename="from-colleague.csv", data=roster_csv([cells(employee_no="N1")])
    )
    colleague = UserFactory(email="hr2@hospital.example", roles=[HR])
    client.force_login(colleague)

    listing = client.get(reverse("org:roster_import_list"))
    assert "from-colleague.csv" in listing.content.decode()
    assert "王芳" in page(client, imp)
    confirm(client, imp, django_capture_on_commit_callbacks)
    assert imp.status == RosterImport.Status.APPLIED


def _learner(ed):
    return UserFactory(email="learner@hospital.example", roles=[LEARNER])


def _manager(ed):
    member = person([MANAGER], department=ed)
    member.managed_departments.add(ed)
    return member.user


@pytest.mark.parametrize("who", [_learner, _manager], ids=["learner", "manager"])
def test_learners_and_managers_are_refused(client, hr, ed, who):
    imp = services.roster_import_create(
        actor=hr, filename="roster.csv", data=roster_csv([cells(employee_no="N1")])
    )
    client.force_login(who(ed))
    before = db_counts()
    urls = [
        reverse("org:roster_import_list"),
        reverse("org:roster_template"),
        reverse("org:roster_import_detail", args=[imp.pk]),
        reverse("org:roster_import_progress", args=[imp.pk]),
    ]

    for url in urls:
        assert client.get(url).status_code == 403, url
    upload_post = client.post(
        reverse("org:roster_import_list"),
        {"file": SimpleUploadedFile("r.csv", roster_csv([cells(employee_no="N2")]))},
    )
    confirm_post = client.post(reverse("org:roster_import_confirm", args=[imp.pk]))

    assert (upload_post.status_code, confirm_post.status_code) == (403, 403)
    assert RosterImport.objects.count() == 1
    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.PREVIEWED
    assert db_counts() == before
    assert AuditEvent.objects.filter(action="access.denied").count() == len(urls) + 2


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("org:roster_import_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
