"""Upload limits everywhere: size, the real type against the name, zip bombs (portal/uploads.py),
through each upload site's own page: the roster import, SCORM packages, scenario packs,
question files and CMS documents. Every refusal names the problem and stores nothing."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model

from courses.models import ScormPackage
from portal.accounts import roles
from portal.org.models import RosterImport
from portal.uploads import UploadRefused, content_check, upload_check, zip_limits_check
from tests.courses.test_scorm_package import SCO_PAGE, manifest
from tests.factories import UserFactory
from tests.org.test_roster_read import cells, roster_csv, roster_xlsx

ROSTER = "/org/roster/"
SCORM_NEW = "/cms/courses/scorm/new/"
DOCUMENT_NEW = "/cms/documents/add/"
PACK_IMPORT = "/cms/assessments/scenario-packs/import/"
QUESTION_IMPORT = "/cms/assessments/transfer/import/"

# A Windows program's first bytes (the DOS header, NUL bytes and all).
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/records/hr/')</script></body></html>"


def zeros_zip(members: dict, padding: int) -> bytes:
    """A zip of `members` plus `padding` zero bytes that deflate to almost nothing: small on the
    wire, huge when unpacked."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        with archive.open("padding.bin", "w", force_zip64=True) as sink:
            chunk = bytes(4 * 1024 * 1024)
            for start in range(0, padding, len(chunk)):
                sink.write(chunk[: padding - start])
    return out.getvalue()


def xlsx_bomb(padding: int) -> bytes:
    """A real workbook (it opens in Excel) with a member of zeros added."""
    workbook = zipfile.ZipFile(io.BytesIO(roster_xlsx([cells()])))
    return zeros_zip({m.filename: workbook.read(m) for m in workbook.infolist()}, padding)


def errors_of(response, field="file") -> str:
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    return " ".join(form.errors.get(field, []))


@pytest.fixture
def hr_client(client, role_groups):
    client.force_login(UserFactory(roles=[roles.HR]))
    return client


@pytest.fixture
def trainer_client(client, role_groups):
    client.force_login(UserFactory(roles=[roles.TRAINER]))
    return client


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


# ---------------------------------------------------------------------------------------------
# The shared checks


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("roster.xlsx", EXE),
        ("roster.xlsx", HTML),
        ("roster.xlsx", b"employee_no,full_name\r\nN1,Wang\r\n"),  # a CSV renamed
        ("manual.pdf", EXE),
        ("manual.pdf", HTML),
        ("manual.docx", roster_xlsx([cells()])),  # a zip, but a workbook, not a Word file
        ("notes.txt", HTML),
        ("notes.txt", EXE),
        ("roster.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("video.mp4", HTML),
        ("course.zip", b"%PDF-1.7"),
        ("bank.xml", b"GIFT, not XML"),
        ("page.xml", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(name, content):
    with pytest.raises(UploadRefused) as refusal:
        content_check(name=name, file=io.BytesIO(content))
    assert f"“{name}”" in refusal.value.message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("roster.xlsx", roster_xlsx([cells()])),
        ("roster.csv", roster_csv([cells(full_name="王芳")])),
        ("roster.csv", "employee_no,full_name\r\n王芳\r\n".encode("gb18030")),
        ("manual.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("video.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"),
        ("video.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"),
        ("bank.xml", b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz></quiz>'),
        ("bank.gift", "::Q1:: 先扫腕带 {=是 ~否}".encode()),
        ("notes.txt", b"MZ is how the ward abbreviates it\n"),
        ("pack.zip", zeros_zip({"a.yaml": "slug: a"}, 10)),
    ],
)
def test_real_files_pass(name, content):
    content_check(name=name, file=io.BytesIO(content))


def test_the_extension_must_be_one_the_site_accepts():
    upload = SimpleUploadedFile("roster.exe", roster_csv([cells()]))
    with pytest.raises(UploadRefused) as refusal:
        upload_check(upload, extensions=("csv", "xlsx"), limit=1024 * 1024, what="a roster")
    assert refusal.value.message == (
        "“roster.exe” is not accepted here: upload a file ending in .csv, .xlsx."
    )


def test_a_program_is_named_as_such():
    with pytest.raises(UploadRefused) as refusal:
        content_check(name="manual.pdf", file=io.BytesIO(EXE))
    assert "is a program" in refusal.value.message


def test_zip_limits_count_members_and_inflated_bytes():
    archive = zipfile.ZipFile(io.BytesIO(zeros_zip({f"f{i}": "x" for i in range(20)}, 3_000_000)))
    with pytest.raises(UploadRefused, match="holds 21 files; at most 10"):
        zip_limits_check(archive, max_members=10, max_uncompressed=10**9)
    with pytest.raises(UploadRefused, match="would unpack to 2.9 MB; the limit is 1 MB"):
        zip_limits_check(archive, max_members=100, max_uncompressed=1024 * 1024)
    assert zip_limits_check(archive, max_members=100, max_uncompressed=10**9) == 3_000_020


# ---------------------------------------------------------------------------------------------
# Each upload site


def test_roster_xlsx_zip_bomb_is_refused_by_the_form(hr_client, settings):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    bomb = xlsx_bomb(20 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    response = hr_client.post(ROSTER, {"file": SimpleUploadedFile("roster.xlsx", bomb)})

    message = errors_of(response)
    assert "would unpack to 20.0 MB; the limit is 5 MB" in message and "zip bomb" in message
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("roster.xlsx", EXE), ("roster.xlsx", HTML)])
def test_roster_renamed_program_or_page_is_refused(hr_client, name, content):
    response = hr_client.post(ROSTER, {"file": SimpleUploadedFile(name, content)})

    assert "roster.xlsx" in errors_of(response)
    assert not RosterImport.objects.exists()


def test_scorm_zip_bomb_is_refused(trainer_client, settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    settings.SCORM_MAX_UNCOMPRESSED_BYTES = 5 * 1024 * 1024
    bomb = zeros_zip({"imsmanifest.xml": manifest(), "index.html": SCO_PAGE}, 20 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    response = trainer_client.post(
        SCORM_NEW, {"title": "Bomb", "file": SimpleUploadedFile("course.zip", bomb)}
    )

    message = errors_of(response)
    assert "would unpack to 20.0 MB" in message and "zip bomb" in message
    assert not ScormPackage.objects.exists()
    assert not list(tmp_path.rglob("*"))


def test_scorm_zip_without_a_manifest_is_refused(trainer_client, settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    bomb = zeros_zip({"index.html": SCO_PAGE}, 10)
    response = trainer_client.post(
        SCORM_NEW, {"title": "", "file": SimpleUploadedFile("course.zip", bomb)}
    )
    assert "not a SCORM package" in errors_of(response)
    assert not ScormPackage.objects.exists()


def test_scenario_pack_zip_bomb_is_refused(trainer_client, monkeypatch):
    monkeypatch.setattr("assessments.services.scenarios.MAX_PACK_UNCOMPRESSED", 5 * 1024 * 1024)
    bomb = zeros_zip({"a.yaml": "slug: a"}, 20 * 1024 * 1024)
    response = trainer_client.post(PACK_IMPORT, {"file": SimpleUploadedFile("pack.zip", bomb)})
    # The form accepts a zip; the preview (which reads it) refuses it before unpacking.
    preview = trainer_client.get(response["Location"])
    assert "would unpack to" in preview.content.decode()


def test_scenario_pack_renamed_program_is_refused(trainer_client):
    response = trainer_client.post(PACK_IMPORT, {"file": SimpleUploadedFile("pack.yaml", EXE)})
    assert "is a program" in errors_of(response)


def test_question_file_that_is_a_web_page_is_refused(trainer_client):
    response = trainer_client.post(
        QUESTION_IMPORT,
        {"file": SimpleUploadedFile("bank.gift", HTML), "format": "gift", "category": ""},
    )
    assert "is a web page" in errors_of(response)


@pytest.fixture
def sniffing_documents(settings):
    # The setting the lead adds to portal/settings/base.py (see the report).
    settings.WAGTAILDOCS_DOCUMENT_FORM_BASE = "portal.document_forms.DocumentForm"


def _document_post(client, name, content):
    from wagtail.models import Collection

    return client.post(
        DOCUMENT_NEW,
        {
            "title": "Manual",
            "file": SimpleUploadedFile(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("manual.pdf", EXE, "is a program"),
        ("manual.pdf", HTML, "does not contain what its name says"),
        ("notes.txt", HTML, "is a web page"),
        ("slides.pptx", zeros_zip({"x.xml": "<x/>"}, 10), "does not contain what its name says"),
    ],
)
def test_cms_document_disguised_is_refused(admin_client, sniffing_documents, name, content, words):
    response = _document_post(admin_client, name, content)

    assert words in errors_of(response)
    assert not get_document_model().objects.exists()


def test_cms_real_pdf_is_accepted(admin_client, sniffing_documents, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = _document_post(admin_client, "manual.pdf", b"%PDF-1.7\n1 0 obj\n")

    assert response.status_code == 302
    assert get_document_model().objects.get().title == "Manual"
