"""SCORM packages: validating and extracting an upload, and storing a learner's run-time data.

An upload is checked completely before anything is stored: the zip itself (size, member count,
uncompressed size, member names), then `imsmanifest.xml` at its root (well-formed, no DTD, a
content package with an organization whose items launch files inside the package). A refused
package raises ScormPackageError with a message for the trainer and changes nothing.

Accepted packages are extracted under SCORM_ROOT/scorm/<package id>/ (SCORM_ROOT defaults to
MEDIA_ROOT) and served same-origin by the player's content view, because SCORM content finds the
run-time API through `window.parent`.

The learner's CMI data is kept per launchable item (SCO) in ScormRecord.cmi as flattened
`{"cmi.core.lesson_status": "passed", ...}` dictionaries keyed by the item identifier.
"""

import json
import logging
import posixpath
import re
import shutil
import stat
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.accounts.roles import TRAINER, has_role
from portal.records.services import audit_record
from portal.uploads import UploadRefused, upload_size_check, zip_limits_check

from ..models import LessonPage, ScormPackage, ScormRecord

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Defaults; each can be overridden by a setting of the same name.
SCORM_MAX_UPLOAD_BYTES = 200 * MB
SCORM_MAX_UNCOMPRESSED_BYTES = 1024 * MB
SCORM_MAX_MEMBERS = 20_000
SCORM_MAX_MANIFEST_BYTES = 5 * MB
# A learner's stored run-time data for one lesson (all its SCOs). SCORM 2004 allows 64,000
# characters of suspend data per SCO; interactions add up. Larger is content gone wrong.
SCORM_MAX_CMI_BYTES = 1 * MB

AICC_EXTENSIONS = (".crs", ".au", ".des", ".cst", ".pre", ".cmp", ".ort")
# Folders and files that archivers on macOS and Windows add; never part of the course.
JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)")
XML_NS = "{http://www.w3.org/XML/1998/namespace}"


class ScormPackageError(ValidationError):
    """A package that cannot be accepted; `message` says why, for the trainer."""


class ScormCommitError(Exception):
    """Run-time data that cannot be stored (malformed, too large, unknown SCO)."""


def _setting(name: str, default):
    return getattr(settings, name, default)


def scorm_root() -> Path:
    """Where extracted packages live: the SCORM_ROOT setting, else MEDIA_ROOT."""
    return Path(_setting("SCORM_ROOT", settings.MEDIA_ROOT))


def scorm_package_path(package: ScormPackage) -> Path:
    return scorm_root() / package.folder


def scorm_may_manage(user) -> bool:
    """Trainers (and administrators) upload and manage packages."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or has_role(user, TRAINER) or user.has_perm("courses.add_scormpackage")


# ---------------------------------------------------------------------------------------------
# Reading the zip


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the package's author wrote it. Zips made on Windows often store
    UTF-8 (or, in China, GBK) names without the UTF-8 flag, which Python then reads as cp437;
    without repair a manifest's Chinese file names would not match the files."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    raw = name.encode("cp437", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def scorm_safe_path(name: str) -> str | None:
    """A normalised relative path, or None when it would land outside the package folder."""
    name = name.replace("\\", "/")
    if "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        return None
    return "/".join(parts)


@dataclass
class PackageFiles:
    """The regular files of a checked zip: normalised name → ZipInfo."""

    members: dict[str, zipfile.ZipInfo]
    uncompressed: int

    def find(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name)

    def find_case_insensitive(self, name: str) -> str | None:
        lowered = name.lower()
        return next((n for n in self.members if n.lower() == lowered), None)


def _zip_open(uploaded_file) -> zipfile.ZipFile:
    try:
        upload_size_check(
            getattr(uploaded_file, "size", None),
            limit=_setting("SCORM_MAX_UPLOAD_BYTES", SCORM_MAX_UPLOAD_BYTES),
            what=_("a SCORM package"),
        )
    except UploadRefused as exc:
        raise ScormPackageError(exc.message) from exc
    try:
        uploaded_file.seek(0)
        return zipfile.ZipFile(uploaded_file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ScormPackageError(
            _(
                "The file is not a zip archive. Upload the SCORM package (.zip) exactly as your "
                "authoring tool exported it."
            )
        ) from exc


def _zip_check(archive: zipfile.ZipFile) -> PackageFiles:
    """Refuse zip bombs, unsafe names, links and encryption before anything is extracted."""
    try:
        total = zip_limits_check(
            archive,
            max_members=_setting("SCORM_MAX_MEMBERS", SCORM_MAX_MEMBERS),
            max_uncompressed=_setting("SCORM_MAX_UNCOMPRESSED_BYTES", SCORM_MAX_UNCOMPRESSED_BYTES),
        )
    except UploadRefused as exc:
        raise ScormPackageError(exc.message) from exc
    infos = archive.infolist()
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        raw_name = _member_name(info)
        name = scorm_safe_path(raw_name)
        if name is None:
            raise ScormPackageError(
                _(
                    'The zip contains "%(name)s", a path outside the package (absolute or with '
                    '".."). Such archives are refused.'
                )
                % {"name": raw_name}
            )
        if info.flag_bits & 0x1:
            raise ScormPackageError(
                _('The zip is password-protected ("%(name)s"). Export it without a password.')
                % {"name": raw_name}
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ScormPackageError(
                _('The zip contains a symbolic link ("%(name)s"); packages must hold real files.')
                % {"name": raw_name}
            )
        if info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_BZIP2,
            zipfile.ZIP_LZMA,
        ):
            raise ScormPackageError(
                _(
                    'The zip uses a compression method this server cannot read ("%(name)s"). '
                    "Save it again with ordinary (deflate) compression."
                )
                % {"name": raw_name}
            )
        if info.is_dir() or raw_name.endswith("/") or not name or JUNK.search(name):
            continue
        members[name] = info
    return PackageFiles(members=members, uncompressed=total)


def _manifest_locate(files: PackageFiles) -> zipfile.ZipInfo:
    root = files.find_case_insensitive("imsmanifest.xml")
    if root is not None:
        return files.members[root]
    nested = sorted(n for n in files.members if n.lower().endswith("/imsmanifest.xml"))
    if nested:
        folder = nested[0].rsplit("/", 1)[0] + "/"
        raise ScormPackageError(
            _(
                "The package has no imsmanifest.xml at its root: it is inside the folder "
                '"%(folder)s". Zip the contents of that folder, not the folder itself.'
            )
            % {"folder": folder}
        )
    if any(n.lower().endswith(AICC_EXTENSIONS) for n in files.members):
        raise ScormPackageError(_("AICC packages are not supported; export as SCORM 1.2 or 2004."))
    raise ScormPackageError(
        _(
            "This zip is not a SCORM package: it has no imsmanifest.xml. Export the course as "
            "SCORM 1.2 or SCORM 2004 from your authoring tool."
        )
    )


# ---------------------------------------------------------------------------------------------
# Reading the manifest


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _child(element, name: str):
    return next(iter(_children(element, name)), None)


def _attr(element, name: str, default: str = "") -> str:
    """An attribute by local name, ignoring its namespace and case (adlcp:scormtype in 1.2 is
    adlcp:scormType in 2004)."""
    name = name.lower()
    for key, value in element.attrib.items():
        if _local(key).lower() == name:
            return value.strip()
    return default


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _manifest_parse(data: bytes) -> ET.Element:
    limit = _setting("SCORM_MAX_MANIFEST_BYTES", SCORM_MAX_MANIFEST_BYTES)
    if len(data) > limit:
        raise ScormPackageError(
            _("The imsmanifest.xml is larger than %(limit)s MB; it cannot be a real manifest.")
            % {"limit": f"{limit / MB:.0f}"}
        )
    # xml.etree expands internal entities; a DTD has no place in a SCORM manifest, so refuse
    # any declaration outright (entity-expansion bombs, external entities).
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise ScormPackageError(
            _("The imsmanifest.xml declares a DOCTYPE or ENTITY, which is refused for safety.")
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ScormPackageError(
            _(
                "The imsmanifest.xml is empty or not well-formed XML (line %(line)s, column "
                "%(column)s), so the package cannot be read. Export the package again."
            )
            % {"line": line, "column": column}
        ) from exc
    if _local(root.tag) != "manifest":
        raise ScormPackageError(
            _(
                "The imsmanifest.xml does not describe a content package: its root element is "
                "<%(tag)s>, not <manifest>."
            )
            % {"tag": _local(root.tag)}
        )
    return root


def _version_detect(root: ET.Element, data: bytes) -> str:
    metadata = _child(root, "metadata")
    schema_version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    if schema_version == "1.2":
        return ScormPackage.Version.SCORM_12
    if schema_version.startswith("2004") or schema_version.startswith("CAM 1.3"):
        return ScormPackage.Version.SCORM_2004
    # No (or a free-text) schemaversion: the ADL namespaces tell the versions apart.
    if b"adlcp_v1p3" in data or b"imsglobal.org/xsd/imsss" in data:
        return ScormPackage.Version.SCORM_2004
    if b"adlcp_rootv1p2" in data:
        return ScormPackage.Version.SCORM_12
    # An IMS content package without ADL markers: SCORM 1.2 is what such packages run as.
    return ScormPackage.Version.SCORM_12


def _base_join(*parts: str) -> str:
    """xml:base values and an href, joined as relative paths."""
    if parts and urlsplit(parts[-1]).scheme:
        return parts[-1]  # an absolute URL; _href_check refuses it with a clear message
    path = ""
    for part in parts:
        if not part:
            continue
        path = part if not path or part.startswith("/") else posixpath.join(path, part)
    return path


def _with_parameters(href: str, parameters: str) -> str:
    """Append an item's `parameters` to the launch href (IMS CP / SCORM CAM rules)."""
    parameters = parameters.strip()
    if not parameters:
        return href
    if parameters.startswith(("?", "&")):
        parameters = parameters[1:]
        return f"{href}{'&' if '?' in href else '?'}{parameters}"
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return f"{href}{'&' if '?' in href else '?'}{parameters}"


@dataclass
class ManifestInfo:
    version: str
    title: str
    identifier: str
    launch: str
    launch_item: str
    items: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "title": self.title,
            "identifier": self.identifier,
            "launch_item": self.launch_item,
            "items": self.items,
        }


def _resources(root: ET.Element) -> dict[str, dict]:
    manifest_base = root.get(f"{XML_NS}base", "")
    resources = _child(root, "resources")
    found: dict[str, dict] = {}
    if resources is None:
        return found
    resources_base = resources.get(f"{XML_NS}base", "")
    for resource in _children(resources, "resource"):
        identifier = _attr(resource, "identifier")
        href = _attr(resource, "href")
        found[identifier] = {
            "href": _base_join(
                manifest_base, resources_base, resource.get(f"{XML_NS}base", ""), href
            )
            if href
            else "",
            "sco": _attr(resource, "scormtype").lower() == "sco",
        }
    return found


def _organization(root: ET.Element) -> ET.Element:
    organizations = _child(root, "organizations")
    candidates = _children(organizations, "organization") if organizations is not None else []
    if not candidates:
        raise ScormPackageError(
            _(
                "The manifest has no organization: it does not say which lessons the package "
                "contains or what to launch. Export the package again from the authoring tool."
            )
        )
    default = _attr(organizations, "default")
    # A default that names no organization (seen in real packages) falls back to the first.
    return next((o for o in candidates if _attr(o, "identifier") == default), candidates[0])


def _href_check(href: str, item_title: str, files: PackageFiles) -> None:
    target = urlsplit(href)
    if target.scheme or target.netloc or href.startswith("//"):
        raise ScormPackageError(
            _(
                'The item "%(item)s" launches an address outside the package (%(href)s); only '
                "content inside the package can be played."
            )
            % {"item": item_title, "href": href}
        )
    path = scorm_safe_path(unquote(target.path))
    if not path:
        raise ScormPackageError(
            _('The item "%(item)s" launches "%(href)s", which is outside the package.')
            % {"item": item_title, "href": href}
        )
    if files.find(path) is None:
        other = files.find_case_insensitive(path)
        hint = (
            _(' (the package has "%(name)s": file names are case-sensitive)') % {"name": other}
            if other
            else ""
        )
        raise ScormPackageError(
            _('The item "%(item)s" launches "%(file)s", which is not in the package%(hint)s.')
            % {"item": item_title, "file": path, "hint": hint}
        )


def _items(organization, resources, files: PackageFiles) -> list[dict]:
    """The organization's items in order, flattened with their depth. An item either groups
    others (no resource) or launches a resource's file."""
    items: list[dict] = []

    def walk(parent, depth: int, visible: bool):
        for item in _children(parent, "item"):
            identifier = _attr(item, "identifier") or f"item-{len(items) + 1}"
            title = _text(_child(item, "title")) or identifier
            shown = visible and _attr(item, "isvisible", "true").lower() != "false"
            ref = _attr(item, "identifierref")
            entry = {"id": identifier, "title": title[:255], "depth": depth, "visible": shown}
            if ref:
                resource = resources.get(ref)
                if resource is None:
                    raise ScormPackageError(
                        _(
                            'The item "%(item)s" refers to the resource "%(ref)s", which the '
                            "manifest does not define."
                        )
                        % {"item": title, "ref": ref}
                    )
                if not resource["href"]:
                    raise ScormPackageError(
                        _(
                            'The item "%(item)s" refers to the resource "%(ref)s", which has no '
                            "file to launch (href)."
                        )
                        % {"item": title, "ref": ref}
                    )
                href = _with_parameters(resource["href"], _attr(item, "parameters"))
                _href_check(href, title, files)
                entry.update({"href": href, "sco": resource["sco"]})
            items.append(entry)
            walk(item, depth + 1, shown)

    walk(organization, 0, True)
    return items


def scorm_manifest_read(archive: zipfile.ZipFile, files: PackageFiles) -> ManifestInfo:
    """Validate the manifest of a checked zip and summarise it. Raises ScormPackageError."""
    data = archive.read(_manifest_locate(files))
    root = _manifest_parse(data)
    version = _version_detect(root, data)
    organization = _organization(root)
    items = _items(organization, _resources(root), files)
    launchable = [i for i in items if i.get("href")]
    if not launchable:
        raise ScormPackageError(
            _(
                "The manifest's organization has no item that launches a file: there is nothing "
                "to play."
            )
        )
    first = next(
        (i for i in launchable if i["sco"] and i["visible"]),
        next((i for i in launchable if i["visible"]), launchable[0]),
    )
    title = _text(_child(organization, "title")) or first["title"]
    return ManifestInfo(
        version=version,
        title=title[:255],
        identifier=_attr(root, "identifier")[:255],
        launch=first["href"],
        launch_item=first["id"],
        items=items,
    )


# ---------------------------------------------------------------------------------------------
# Upload, extraction, deletion


def _extract(archive: zipfile.ZipFile, files: PackageFiles, target: Path) -> None:
    """Unpack into a fresh folder beside the target, then move it into place in one rename, so
    a half-written package is never served. Sizes are counted while writing, because a zip's
    headers can lie about them."""
    staging = target.parent / f".staging-{uuid.uuid4().hex}"
    budget = _setting("SCORM_MAX_UNCOMPRESSED_BYTES", SCORM_MAX_UNCOMPRESSED_BYTES)
    written = 0
    try:
        for name, info in files.members.items():
            destination = staging.joinpath(*name.split("/"))
            if staging.resolve() not in destination.resolve().parents:
                raise ScormPackageError(
                    _('The zip contains "%(name)s", outside the package.') % {"name": name}
                )
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(destination, "wb") as sink:
                while chunk := source.read(1024 * 1024):
                    written += len(chunk)
                    if written > budget:
                        raise ScormPackageError(
                            _("The zip unpacks to more than its headers declare; refused.")
                        )
                    sink.write(chunk)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except zipfile.BadZipFile as exc:
        raise ScormPackageError(
            _("The zip is damaged (%(error)s). Export the package again.") % {"error": exc}
        ) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def scorm_package_inspect(uploaded_file) -> tuple[zipfile.ZipFile, PackageFiles, ManifestInfo]:
    """All the checks of an upload, without storing anything."""
    archive = _zip_open(uploaded_file)
    files = _zip_check(archive)
    return archive, files, scorm_manifest_read(archive, files)


def scorm_package_create(*, actor, title: str, uploaded_file) -> ScormPackage:
    """Validate an uploaded package, store it and extract it for playing. Raises
    ScormPackageError (nothing stored) when the package is refused."""
    if not scorm_may_manage(actor):
        raise PermissionDenied
    archive, files, info = scorm_package_inspect(uploaded_file)
    root = scorm_root() / "scorm"
    root.mkdir(parents=True, exist_ok=True)
    with archive, transaction.atomic():
        uploaded_file.seek(0)
        package = ScormPackage(
            title=(title or info.title or "SCORM package").strip()[:255],
            version=info.version,
            launch=info.launch[:500],
            manifest=info.summary(),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        name = Path(getattr(uploaded_file, "name", None) or "package.zip").name
        content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
        package.file.save(name, content, save=False)
        package.save()
        package.folder = f"scorm/{package.pk}"
        package.save(update_fields=["folder"])
        target = scorm_package_path(package)
        try:
            _extract(archive, files, target)
        except BaseException:
            package.file.delete(save=False)
            raise
        # Should the transaction roll back after this point, the sweep removes the folder.
        audit_record(
            action="scorm.package.create",
            actor=actor,
            obj=package,
            after={
                "title": package.title,
                "version": package.version,
                "launch": package.launch,
                "files": len(files.members),
                "bytes": files.uncompressed,
            },
        )
    return package


def scorm_package_update(*, actor, package: ScormPackage, title: str) -> ScormPackage:
    if not scorm_may_manage(actor):
        raise PermissionDenied
    title = title.strip()[:255]
    if title and title != package.title:
        before = package.title
        package.title = title
        package.save(update_fields=["title"])
        audit_record(
            action="scorm.package.update",
            actor=actor,
            obj=package,
            before={"title": before},
            after={"title": title},
        )
    return package


def scorm_package_delete(*, actor, package: ScormPackage) -> None:
    """Delete a package that no lesson uses, with its extracted files and its zip."""
    if not scorm_may_manage(actor):
        raise PermissionDenied
    lessons = list(LessonPage.objects.filter(scorm_package=package).values_list("title", flat=True))
    if lessons:
        raise ScormPackageError(
            _(
                "This package is used by the lesson(s) %(lessons)s; choose another package there "
                "first."
            )
            % {"lessons": ", ".join(f'"{t}"' for t in lessons[:5])}
        )
    folder = scorm_package_path(package) if package.folder else None
    zip_name = package.file.name
    with transaction.atomic():
        audit_record(
            action="scorm.package.delete",
            actor=actor,
            obj=package,
            before={"title": package.title, "version": package.version},
        )
        package.delete()

        def remove_files():
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            if zip_name:
                package.file.storage.delete(zip_name)

        transaction.on_commit(remove_files)


def scorm_storage_sweep() -> int:
    """Remove extracted folders that belong to no package (an upload whose transaction rolled
    back, a deletion whose file removal failed) and stale staging folders. Idempotent."""
    root = scorm_root() / "scorm"
    if not root.is_dir():
        return 0
    known = set(ScormPackage.objects.exclude(folder="").values_list("folder", flat=True))
    removed = 0
    for child in root.iterdir():
        if not child.is_dir() or child.name == "zips":
            continue
        if child.name.startswith(".staging-") or (
            child.name.isdigit() and f"scorm/{child.name}" not in known
        ):
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


# ---------------------------------------------------------------------------------------------
# Run-time data (CMI)

# What the LMS keeps for a learner and gives back at the next launch, per version. Everything
# else (read-only model descriptors, session values) is recomputed at each launch.
RESTORED = {
    ScormPackage.Version.SCORM_12: (
        "cmi.core.lesson_location",
        "cmi.core.lesson_status",
        "cmi.core.score.",
        "cmi.core.total_time",
        "cmi.suspend_data",
        "cmi.objectives.",
        "cmi.student_preference.",
    ),
    ScormPackage.Version.SCORM_2004: (
        "cmi.location",
        "cmi.completion_status",
        "cmi.success_status",
        "cmi.score.",
        "cmi.progress_measure",
        "cmi.total_time",
        "cmi.suspend_data",
        "cmi.objectives.",
        "cmi.interactions.",
        "cmi.learner_preference.",
        "cmi.comments_from_learner.",
    ),
}
_KEY = re.compile(r"^cmi(\.[A-Za-z0-9_]+){1,6}$")
_DESCRIPTOR = re.compile(r"\._(children|count|version)$")


def _cmi_clean(cmi) -> dict[str, str]:
    """A flattened CMI dictionary from the browser, checked and with string values."""
    if not isinstance(cmi, dict):
        raise ScormCommitError("cmi must be an object of element names to values")
    clean = {}
    for key, value in cmi.items():
        if not isinstance(key, str) or len(key) > 255 or not _KEY.match(key):
            raise ScormCommitError(f"not a CMI element name: {str(key)[:80]!r}")
        if _DESCRIPTOR.search(key):
            continue  # model descriptors such as cmi.core._children are the runtime's own
        if isinstance(value, dict | list) and not value:
            continue  # an empty collection (no objectives yet): nothing to keep
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            raise ScormCommitError(f"{key} must be a plain value")
        clean[key] = value
    return clean


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _percent(raw, low, high) -> float | None:
    """A raw score as a percentage of its range when the package gives one."""
    raw, low, high = _float(raw), _float(low), _float(high)
    if raw is None:
        return None
    if high is not None and high > (low or 0):
        return round(100 * (raw - (low or 0)) / (high - (low or 0)), 2)
    return round(raw, 2)


@dataclass
class ScoStatus:
    completion: str  # completed / incomplete / not attempted / unknown
    success: str  # passed / failed / unknown
    score: float | None  # percent

    @property
    def done(self) -> bool:
        """Completion or success, unless the content says the learner failed."""
        return self.success == "passed" or (
            self.completion == "completed" and self.success != "failed"
        )

    @property
    def attempted(self) -> bool:
        return self.completion not in ("not attempted", "unknown", "") or self.success != "unknown"


def scorm_sco_status(version: str, cmi: dict) -> ScoStatus:
    """Completion, success and score of one SCO's data, for either version."""
    if version == ScormPackage.Version.SCORM_2004:
        scaled = _float(cmi.get("cmi.score.scaled"))
        score = (
            round(100 * scaled, 2)
            if scaled is not None
            else _percent(
                cmi.get("cmi.score.raw"), cmi.get("cmi.score.min"), cmi.get("cmi.score.max")
            )
        )
        completion = cmi.get("cmi.completion_status") or "unknown"
        success = cmi.get("cmi.success_status") or "unknown"
        return ScoStatus(completion=completion, success=success, score=score)
    status = cmi.get("cmi.core.lesson_status", "") or "not attempted"
    completion = {
        "passed": "completed",
        "completed": "completed",
        "failed": "completed",
        "incomplete": "incomplete",
        "browsed": "incomplete",
    }.get(status, "not attempted")
    success = status if status in ("passed", "failed") else "unknown"
    score = _percent(
        cmi.get("cmi.core.score.raw"), cmi.get("cmi.core.score.min"), cmi.get("cmi.core.score.max")
    )
    return ScoStatus(completion=completion, success=success, score=score)


def scorm_required_items(package: ScormPackage) -> list[dict]:
    """The items a learner must finish: the visible SCOs, or when a package has none, its
    visible launchable items (assets, done once opened)."""
    launchable = [i for i in package.manifest.get("items", []) if i.get("href")]
    visible = [i for i in launchable if i.get("visible", True)] or launchable
    return [i for i in visible if i.get("sco")] or visible


def scorm_record_status(package: ScormPackage, cmi_by_item: dict) -> tuple[ScoStatus, bool]:
    """The lesson-level status over the required items, and whether the lesson is done."""
    statuses = [
        scorm_sco_status(package.version, cmi_by_item.get(item["id"], {}))
        for item in scorm_required_items(package)
    ]
    if not statuses:
        return ScoStatus("not attempted", "unknown", None), False
    if len(statuses) == 1:
        return statuses[0], statuses[0].done
    done = all(s.done for s in statuses)
    completion = (
        "completed"
        if all(s.completion == "completed" or s.done for s in statuses)
        else "incomplete"
        if any(s.attempted for s in statuses)
        else "not attempted"
    )
    success = (
        "failed"
        if any(s.success == "failed" for s in statuses)
        else "passed"
        if done and any(s.success == "passed" for s in statuses)
        else "unknown"
    )
    scores = [s.score for s in statuses if s.score is not None]
    score = round(sum(scores) / len(scores), 2) if scores else None
    return ScoStatus(completion, success, score), done


_TIME_12 = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_TIME_2004 = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def scorm_time_seconds(value: str) -> int:
    """A CMI timespan (1.2 "HHHH:MM:SS.SS" or 2004 "PT1H2M3S") in whole seconds; 0 if bad."""
    value = (value or "").strip()
    if match := _TIME_12.match(value):
        hours, minutes, seconds = match.groups()
        return int(int(hours) * 3600 + int(minutes) * 60 + float(seconds))
    if (match := _TIME_2004.match(value)) and value not in ("P", "PT"):
        years, months, days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
        total = (((years * 365 + months * 30 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
        return int(total)
    return 0


def _item(package: ScormPackage, sco: str | None) -> dict:
    items = [i for i in package.manifest.get("items", []) if i.get("href")]
    wanted = sco or package.manifest.get("launch_item")
    item = next((i for i in items if i["id"] == wanted), None)
    if item is None:
        raise ScormCommitError(f"the package has no launchable item {str(wanted)[:80]!r}")
    return item


def scorm_commit(
    *, staff, lesson: LessonPage, cmi: dict, sco: str | None = None, terminate: bool = False
) -> ScormRecord:
    """Merge a commit of one SCO's run-time data into the learner's record, update the
    lesson-level completion, success and score, and complete the lesson (progress service)
    when the content reports completion or a pass. Raises ScormCommitError and stores nothing
    when the data is malformed or too large.

    `sco` is the item identifier (default: the package's launch item); `terminate` marks the
    commit sent by LMSFinish/Terminate, whose session time is added to the lesson's time."""
    package = lesson.scorm_package
    if package is None:
        raise ScormCommitError("this lesson has no SCORM package")
    item = _item(package, sco)
    clean = _cmi_clean(cmi)
    is_12 = package.version == ScormPackage.Version.SCORM_12
    if not item.get("sco"):
        # An asset cannot talk to the API: opening it is all there is to do.
        clean = {"cmi.core.lesson_status" if is_12 else "cmi.completion_status": "completed"}
    try:
        # The first commits of a session can race (an autocommit and LMSFinish): the loser of
        # the insert retries against the row the winner created.
        return _commit_merge(
            staff=staff, lesson=lesson, package=package, item=item, clean=clean, terminate=terminate
        )
    except IntegrityError:
        return _commit_merge(
            staff=staff, lesson=lesson, package=package, item=item, clean=clean, terminate=terminate
        )


_UNREPORTED = ("", "not attempted")


def _commit_merge(*, staff, lesson, package, item, clean, terminate) -> ScormRecord:
    from . import progress

    with transaction.atomic():
        record, _created = ScormRecord.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        _before, was_done = scorm_record_status(package, record.cmi)
        data = {**record.cmi.get(item["id"], {}), **clean}
        is_12 = package.version == ScormPackage.Version.SCORM_12
        if is_12 and terminate and data.get("cmi.core.lesson_status", "") in _UNREPORTED:
            # SCORM 1.2 (RTE 3.4.4): a SCO that finishes without reporting a status is
            # completed, as Moodle and other LMSs do (scorm-again 3.x leaves it unchanged).
            data["cmi.core.lesson_status"] = "completed"
        merged = {**record.cmi, item["id"]: data}
        size = len(json.dumps(merged, separators=(",", ":")).encode())
        if size > _setting("SCORM_MAX_CMI_BYTES", SCORM_MAX_CMI_BYTES):
            raise ScormCommitError(
                f"the run-time data would be {size} bytes; the limit is "
                f"{_setting('SCORM_MAX_CMI_BYTES', SCORM_MAX_CMI_BYTES)}"
            )
        status, done = scorm_record_status(package, merged)
        record.cmi = merged
        record.completion_status = status.completion[:20]
        record.success_status = status.success[:20]
        record.score = status.score
        record.save()
        session = "cmi.core.session_time" if package.version == "1.2" else "cmi.session_time"
        seconds = scorm_time_seconds(clean.get(session, "")) if terminate else 0
        if done and not was_done:
            progress.lesson_complete(staff=staff, lesson=lesson, seconds=seconds)
        elif terminate:
            progress.lesson_visit(staff=staff, lesson=lesson, seconds=seconds)
    return record


def scorm_restore(package: ScormPackage, cmi: dict, *, staff=None, name: str = "") -> dict:
    """What the runtime is loaded with at a launch of one SCO: the kept elements of its stored
    data, the learner's id and name, credit and mode, and whether the SCO resumes a suspended
    session. `staff` None is a trainer's preview."""
    prefixes = RESTORED[package.version]
    restored = {k: v for k, v in cmi.items() if k.startswith(prefixes)}
    if package.version == ScormPackage.Version.SCORM_12:
        exit_key, entry_key = "cmi.core.exit", "cmi.core.entry"
        id_key, name_key = "cmi.core.student_id", "cmi.core.student_name"
        credit_key, mode_key = "cmi.core.credit", "cmi.core.lesson_mode"
    else:
        exit_key, entry_key = "cmi.exit", "cmi.entry"
        id_key, name_key = "cmi.learner_id", "cmi.learner_name"
        credit_key, mode_key = "cmi.credit", "cmi.mode"
    # A trainer's preview (no staff record) browses without credit; learners play for credit.
    restored[credit_key] = "credit" if staff is not None else "no-credit"
    restored[mode_key] = "normal" if staff is not None else "browse"
    if staff is not None:
        restored[id_key] = staff.employee_no
        restored[name_key] = name or staff.full_name
    restored[entry_key] = (
        "resume" if cmi.get(exit_key) in ("suspend", "logout") else "" if cmi else "ab-initio"
    )
    return restored
