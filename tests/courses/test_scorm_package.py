"""Uploading SCORM packages: what is accepted, what is refused (with which message), and that a
refusal stores nothing. The packages here are small ones written for these tests; the
third-party corpus is exercised in tests/conformance/."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import ScormPackage
from courses.services.scorm import (
    ScormPackageError,
    scorm_package_create,
    scorm_package_delete,
    scorm_storage_sweep,
)
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course, lesson
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"'
)


def manifest(
    *,
    ns=NS_12,
    schemaversion="1.2",
    items='<item identifier="i1" identifierref="r1"><title>Scan the wristband</title></item>',
    resources=(
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">'
        '<file href="index.html"/></resource>'
    ),
    organizations=None,
    extra="",
) -> str:
    orgs = (
        organizations
        if organizations is not None
        else (
            '<organizations default="org1"><organization identifier="org1">'
            f"<title>Barcode medication administration</title>{items}</organization>"
            "</organizations>"
        )
    )
    metadata = (
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion>"
        "</metadata>"
        if schemaversion
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{extra}'
        f'<manifest identifier="readyline.sample" version="1" {ns}>{metadata}{orgs}'
        f"<resources>{resources}</resources></manifest>"
    )


SCO_PAGE = b"<!doctype html><title>SCO</title><p>Scan the wristband, then the medication.</p>"


def make_zip(files: dict, name="package.zip") -> SimpleUploadedFile:
    """A zip upload from {member name: bytes or str}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in files.items():
            archive.writestr(member, content.encode() if isinstance(content, str) else content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def package_12(**manifest_kwargs) -> SimpleUploadedFile:
    return make_zip({"imsmanifest.xml": manifest(**manifest_kwargs), "index.html": SCO_PAGE})


@pytest.fixture(autouse=True)
def scorm_root(settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def trainer(role_groups):
    return UserFactory(roles=[roles.TRAINER])


def refused(trainer, upload, scorm_root) -> str:
    with pytest.raises(ScormPackageError) as error:
        scorm_package_create(actor=trainer, title="", uploaded_file=upload)
    assert ScormPackage.objects.count() == 0
    assert not list(scorm_root.rglob("*")), "a refused package left files behind"
    return error.value.message


def test_a_scorm_12_package_is_stored_and_extracted(trainer, scorm_root):
    package = scorm_package_create(actor=trainer, title="", uploaded_file=package_12())
    assert package.version == "1.2"
    assert package.title == "Barcode medication administration"
    assert package.launch == "index.html"
    assert package.folder == f"scorm/{package.pk}"
    assert (scorm_root / package.folder / "index.html").read_bytes() == SCO_PAGE
    assert package.manifest["launch_item"] == "i1"
    assert package.manifest["items"] == [
        {
            "id": "i1",
            "title": "Scan the wristband",
            "depth": 0,
            "visible": True,
            "href": "index.html",
            "sco": True,
        }
    ]
    assert package.uploaded_by == trainer
    assert package.file.name.startswith("scorm/zips/")
    assert AuditEvent.objects.filter(action="scorm.package.create").count() == 1


def test_the_title_given_wins_over_the_manifest(trainer):
    package = scorm_package_create(actor=trainer, title="  BCMA  ", uploaded_file=package_12())
    assert package.title == "BCMA"


def test_a_scorm_2004_package_is_recognised(trainer):
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(
                ns=NS_2004,
                schemaversion="2004 4th Edition",
                resources=(
                    '<resource identifier="r1" type="webcontent" adlcp:scormType="sco" '
                    'href="index.html"/>'
                ),
            ),
            "index.html": SCO_PAGE,
        }
    )
    assert scorm_package_create(actor=trainer, title="", uploaded_file=upload).version == "2004"


@pytest.mark.parametrize(
    ("ns", "expected"),
    [
        (NS_12, "1.2"),
        (NS_2004, "2004"),
        ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"', "1.2"),
    ],
)
def test_without_schemaversion_the_namespaces_decide(trainer, ns, expected):
    resources = '<resource identifier="r1" type="webcontent" href="index.html"/>'
    upload = package_12(ns=ns, schemaversion="", resources=resources)
    assert scorm_package_create(actor=trainer, title="", uploaded_file=upload).version == expected


def test_launch_uses_xml_base_and_item_parameters(trainer, scorm_root):
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(
                items=(
                    '<item identifier="i1" identifierref="r1" parameters="?lang=zh">'
                    "<title>Quiz</title></item>"
                ),
                resources=(
                    '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
                    'xml:base="content/" href="quiz.html?mode=test"/>'
                ),
            ),
            "content/quiz.html": SCO_PAGE,
        }
    )
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload)
    assert package.launch == "content/quiz.html?mode=test&lang=zh"
    assert (scorm_root / package.folder / "content" / "quiz.html").exists()


def test_multi_sco_package_summarises_its_items(trainer):
    items = (
        '<item identifier="unit1"><title>Unit 1</title>'
        '<item identifier="a" identifierref="ra"><title>Asset first</title></item>'
        '<item identifier="hidden" identifierref="r1" isvisible="false">'
        "<title>Hidden</title></item>"
        '<item identifier="s1" identifierref="r1"><title>First SCO</title></item>'
        "</item>"
    )
    resources = (
        '<resource identifier="ra" type="webcontent" adlcp:scormtype="asset" href="intro.html"/>'
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html"/>'
    )
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(items=items, resources=resources),
            "index.html": SCO_PAGE,
            "intro.html": SCO_PAGE,
        }
    )
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload)
    assert package.launch == "index.html"  # the first visible SCO, not the asset
    assert package.manifest["launch_item"] == "s1"
    summary = [(i["id"], i["depth"], i["visible"], i.get("sco")) for i in package.manifest["items"]]
    assert summary == [
        ("unit1", 0, True, None),
        ("a", 1, True, False),
        ("hidden", 1, False, True),
        ("s1", 1, True, True),
    ]


def test_junk_from_archivers_is_not_extracted(trainer, scorm_root):
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(),
            "index.html": SCO_PAGE,
            "__MACOSX/._index.html": b"x",
            ".DS_Store": b"x",
        }
    )
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload)
    folder = scorm_root / package.folder
    assert sorted(p.name for p in folder.iterdir()) == ["imsmanifest.xml", "index.html"]


def test_chinese_file_names_from_windows_zips_match_the_manifest(trainer, scorm_root):
    # Zipped on a Chinese Windows: GBK bytes in the member name and no UTF-8 flag. zipfile
    # cannot write that, so write an ASCII name of the same length and swap the bytes.
    gbk = "课程.html".encode("gbk")
    placeholder = b"X" * (len(gbk) - 5) + b".html"
    resources = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="课程.html"/>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest(resources=resources).encode())
        archive.writestr(placeholder.decode(), SCO_PAGE)
    upload = SimpleUploadedFile("gbk.zip", buffer.getvalue().replace(placeholder, gbk))
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload)
    assert (scorm_root / package.folder / "课程.html").read_bytes() == SCO_PAGE


# --- refusals -----------------------------------------------------------------------------


def test_not_a_zip(trainer, scorm_root):
    upload = SimpleUploadedFile("course.pdf", b"%PDF-1.7 not a zip")
    assert "not a zip archive" in refused(trainer, upload, scorm_root)


def test_manifest_in_a_sub_folder(trainer, scorm_root):
    upload = make_zip({"bcma/imsmanifest.xml": manifest(), "bcma/index.html": SCO_PAGE})
    message = refused(trainer, upload, scorm_root)
    assert "no imsmanifest.xml at its root" in message
    assert '"bcma/"' in message


def test_no_manifest_at_all(trainer, scorm_root):
    upload = make_zip({"index.html": SCO_PAGE})
    assert "not a SCORM package" in refused(trainer, upload, scorm_root)


def test_aicc(trainer, scorm_root):
    upload = make_zip({"course.crs": "[Course]", "course.au": "x", "course.des": "x"})
    assert refused(trainer, upload, scorm_root) == (
        "AICC packages are not supported; export as SCORM 1.2 or 2004."
    )


@pytest.mark.parametrize("name", ["../evil.html", "a/../../evil.html", "/etc/evil.html"])
def test_paths_outside_the_package(trainer, scorm_root, name):
    upload = make_zip({"imsmanifest.xml": manifest(), "index.html": SCO_PAGE, name: b"x"})
    assert "outside the package" in refused(trainer, upload, scorm_root)
    assert not (scorm_root / "evil.html").exists()


def test_zip_bomb_by_uncompressed_size(trainer, scorm_root, settings):
    settings.SCORM_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    upload = make_zip(
        {"imsmanifest.xml": manifest(), "index.html": SCO_PAGE, "zeros.bin": b"\0" * 2_000_000}
    )
    assert upload.size < 100_000  # it compresses to almost nothing
    assert "would unpack to" in refused(trainer, upload, scorm_root)


def test_zip_bomb_by_member_count(trainer, scorm_root, settings):
    settings.SCORM_MAX_MEMBERS = 50
    files = {f"f{i}.txt": b"x" for i in range(60)}
    upload = make_zip({"imsmanifest.xml": manifest(), "index.html": SCO_PAGE, **files})
    assert "at most 50" in refused(trainer, upload, scorm_root)


def test_upload_size_limit(trainer, scorm_root, settings):
    settings.SCORM_MAX_UPLOAD_BYTES = 100
    assert "the limit for a SCORM package" in refused(trainer, package_12(), scorm_root)


def test_doctype_and_entities_are_refused(trainer, scorm_root):
    bomb = '<!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    message = refused(trainer, package_12(extra=bomb), scorm_root)
    assert "DOCTYPE or ENTITY" in message


def test_an_empty_manifest(trainer, scorm_root):
    upload = make_zip({"imsmanifest.xml": '<?xml version="1.0"?>\n', "index.html": SCO_PAGE})
    assert "empty or not well-formed XML" in refused(trainer, upload, scorm_root)


def test_a_manifest_that_is_not_a_content_package(trainer, scorm_root):
    upload = make_zip({"imsmanifest.xml": "<course/>", "index.html": SCO_PAGE})
    assert "its root element is <course>" in refused(trainer, upload, scorm_root)


@pytest.mark.parametrize(
    "organizations",
    ["<organizations/>", "", '<organizations default="x"></organizations>'],
)
def test_no_organization(trainer, scorm_root, organizations):
    upload = package_12(organizations=organizations)
    assert refused(trainer, upload, scorm_root).startswith("The manifest has no organization")


def test_an_organization_without_launchable_items(trainer, scorm_root):
    upload = package_12(items="<item identifier='g'><title>Only a heading</title></item>")
    assert "no item that launches a file" in refused(trainer, upload, scorm_root)


def test_an_item_pointing_to_a_missing_resource(trainer, scorm_root):
    upload = package_12(items='<item identifier="i1" identifierref="nope"><title>X</title></item>')
    assert 'refers to the resource "nope"' in refused(trainer, upload, scorm_root)


def test_a_resource_without_href(trainer, scorm_root):
    resources = '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco"/>'
    assert "no file to launch" in refused(trainer, package_12(resources=resources), scorm_root)


def test_a_launch_file_missing_from_the_zip(trainer, scorm_root):
    upload = make_zip({"imsmanifest.xml": manifest(), "Index.html": SCO_PAGE})
    message = refused(trainer, upload, scorm_root)
    assert '"index.html", which is not in the package' in message
    assert "case-sensitive" in message


def test_an_external_launch(trainer, scorm_root):
    resources = (
        '<resource identifier="r1" type="webcontent" adlcp:scormtype="sco" '
        'href="https://elsewhere.example/course.html"/>'
    )
    message = refused(trainer, package_12(resources=resources), scorm_root)
    assert "outside the package (https://elsewhere.example/course.html)" in message


def test_a_learner_may_not_upload(role_groups):
    learner = UserFactory(roles=[roles.LEARNER])
    with pytest.raises(PermissionDenied):
        scorm_package_create(actor=learner, title="", uploaded_file=package_12())
    assert ScormPackage.objects.count() == 0


# --- deletion and the sweep -----------------------------------------------------------------


def test_delete_removes_the_files(trainer, scorm_root, django_capture_on_commit_callbacks):
    package = scorm_package_create(actor=trainer, title="", uploaded_file=package_12())
    folder = scorm_root / package.folder
    with django_capture_on_commit_callbacks(execute=True):
        scorm_package_delete(actor=trainer, package=package)
    assert not ScormPackage.objects.exists()
    assert not folder.exists()
    assert AuditEvent.objects.filter(action="scorm.package.delete").count() == 1


def test_a_package_in_use_is_not_deleted(trainer, scorm_root):
    package = scorm_package_create(actor=trainer, title="", uploaded_file=package_12())
    page = lesson(course(lessons=0), title="BCMA practice")
    page.scorm_package = package
    page.save_revision().publish()
    with pytest.raises(ScormPackageError, match="BCMA practice"):
        scorm_package_delete(actor=trainer, package=package)
    assert ScormPackage.objects.filter(pk=package.pk).exists()
    assert (scorm_root / package.folder / "index.html").exists()


def test_the_sweep_removes_orphan_folders_only(trainer, scorm_root):
    package = scorm_package_create(actor=trainer, title="", uploaded_file=package_12())
    (scorm_root / "scorm" / "9999").mkdir()
    (scorm_root / "scorm" / ".staging-abc").mkdir()
    assert scorm_storage_sweep() == 2
    assert scorm_storage_sweep() == 0
    assert (scorm_root / package.folder / "index.html").exists()


def test_a_person_record_is_not_needed_to_upload(role_groups):
    # Trainers upload through the admin whether or not they are on the roster.
    member = person([roles.TRAINER])
    package = scorm_package_create(actor=member.user, title="", uploaded_file=package_12())
    assert package.pk
