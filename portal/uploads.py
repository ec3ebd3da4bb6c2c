"""The checks every upload goes through: size, the real type against the claimed name, zip limits.

One place for them, so that the roster import, SCORM packages, scenario packs, question files and
CMS documents refuse the same things in the same words. A file's type is judged by its content
(magic bytes, and for zip-based formats the members that make the format), never by its name or
the browser's Content-Type: a program or a web page renamed to .xlsx or .pdf is refused. Each
check raises UploadRefused with a message for the person who uploaded the file; none writes.
"""

import re
import zipfile
from collections.abc import Iterable
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024
HEAD_BYTES = 8192

# C0 control characters that never occur in a text export (tab, line breaks, vertical tab, form
# feed and the old DOS end-of-file mark do).
BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f]")
# A web page (what a browser would render, scripts and all): a file that begins with one of these
# tags (after a byte-order mark, white space or an XML declaration), or has a script near its start.
_WEB_PAGE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body|script|iframe|svg)[\s>/]"
)
_EXECUTABLES = (
    b"MZ",  # Windows .exe / .dll
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # macOS Mach-O (32, 64 bit, both byte orders, universal)
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
# Zip-based formats: the members without which a file is not of that format.
ZIP_MEMBERS = {
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "pptx": ("[Content_Types].xml", "ppt/presentation.xml"),
    "odt": ("mimetype", "content.xml"),
    "zip": (),
}
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The content each accepted extension must have.
CONTENT = {
    "pdf": "pdf",
    "mp4": "mp4",
    "webm": "webm",
    "csv": "text",
    "txt": "text",
    "gift": "text",
    "yaml": "text",
    "yml": "text",
    "json": "text",
    "xml": "xml",
    **{ext: "zip" for ext in ZIP_MEMBERS},
}


class UploadRefused(ValidationError):
    """An upload that is refused; `message` says why, for the person who uploaded it."""


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def upload_size_check(size: int | None, *, limit: int, what: str) -> None:
    if size is not None and size > limit:
        raise UploadRefused(
            _("The file is %(size)s MB; the limit for %(what)s is %(limit)s MB.")
            % {"size": f"{size / MB:,.1f}", "what": what, "limit": f"{limit / MB:,.0f}"}
        )


def upload_check(
    upload,
    *,
    extensions: Iterable[str],
    limit: int,
    what: str,
    max_members: int | None = None,
    max_uncompressed: int | None = None,
) -> str:
    """The checks of an uploaded file (a Django UploadedFile or any named, seekable file): its
    extension is one of `extensions`, its size at most `limit`, its content of that type and,
    for a zip-based file that the server will unpack, within the zip limits. Returns the
    extension; leaves the file at its start."""
    name = getattr(upload, "name", "") or ""
    ext = extension(name)
    extensions = sorted(extensions)
    if ext not in extensions:
        raise UploadRefused(
            _("“%(name)s” is not accepted here: upload a file ending in %(allowed)s.")
            % {"name": PurePath(name).name, "allowed": ", ".join(f".{e}" for e in extensions)}
        )
    upload_size_check(getattr(upload, "size", None), limit=limit, what=what)
    try:
        content_check(
            name=name, file=upload, max_members=max_members, max_uncompressed=max_uncompressed
        )
    finally:
        upload.seek(0)
    return ext


def content_check(
    *, name: str, file, max_members: int | None = None, max_uncompressed: int | None = None
) -> None:
    """Refuse a file whose content is not what its extension claims (see CONTENT), and a zip
    beyond the limits when they are given."""
    ext = extension(name)
    file.seek(0)
    head = file.read(HEAD_BYTES)
    kind = CONTENT.get(ext)
    # "MZ" can begin a line of text; a real program also holds NUL bytes.
    if head.startswith(_EXECUTABLES) and (kind not in ("text", "xml") or b"\x00" in head):
        raise UploadRefused(
            _("“%(name)s” is a program, not a .%(ext)s file. Programs are never accepted.")
            % {"name": PurePath(name).name, "ext": ext}
        )
    if kind in ("text", "xml"):
        text_check(name=name, head=head)
        if kind == "xml" and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise _mismatch(name)
    elif kind == "zip":
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
            raise _mismatch(name) from None
        with archive:
            if not zip_is(archive, ext):
                raise _mismatch(name)
            if max_members is not None and max_uncompressed is not None:
                zip_limits_check(
                    archive, max_members=max_members, max_uncompressed=max_uncompressed
                )
    elif kind == "pdf" and b"%PDF-" not in head[:1024]:
        raise _mismatch(name)
    elif kind == "mp4" and head[4:8] != b"ftyp":
        raise _mismatch(name)
    elif kind == "webm" and not head.startswith(b"\x1a\x45\xdf\xa3"):
        raise _mismatch(name)
    elif kind is None:
        raise _mismatch(name)


def _mismatch(name: str) -> UploadRefused:
    return UploadRefused(
        _(
            "“%(name)s” does not contain what its name says (a .%(ext)s file). Upload the "
            "original file, not a renamed one."
        )
        % {"name": PurePath(name).name, "ext": extension(name)}
    )


def text_check(*, name: str, head: bytes) -> None:
    """Text (UTF-8 or GB18030, as Chinese Windows saves it), not binary data and not a web page."""
    if b"\x00" in head or BINARY_CHARS.search(_decoded(head)):
        raise UploadRefused(
            _("“%(name)s” holds binary data, not text. Save it as a text file (UTF-8).")
            % {"name": PurePath(name).name}
        )
    start = head[:1024].lower()
    if _WEB_PAGE.match(start) or b"<script" in start:
        raise UploadRefused(
            _("“%(name)s” is a web page (HTML), which is not accepted here.")
            % {"name": PurePath(name).name}
        )


def _decoded(head: bytes) -> str:
    # The head may end inside a multi-byte character: ignore only a broken tail.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:
                return head[: exc.start].decode(encoding)
    return ""  # neither: the reader that parses the file explains the encoding


def zip_is(archive: zipfile.ZipFile, ext: str) -> bool:
    """Whether the archive has the members that make the format `ext` (see ZIP_MEMBERS)."""
    names = set(archive.namelist())
    if not all(member in names for member in ZIP_MEMBERS.get(ext, ("-",))):
        return False
    if ext == "odt":
        with archive.open("mimetype") as mimetype:
            return mimetype.read(len(_ODT_MIMETYPE) + 1).strip() == _ODT_MIMETYPE
    return True


def zip_limits_check(archive: zipfile.ZipFile, *, max_members: int, max_uncompressed: int) -> int:
    """Refuse a zip bomb before anything is unpacked: too many members, or a declared inflated
    size over the limit. Returns the declared inflated size. Python's zipfile never yields more
    than a member declares (and fails its CRC check), so the declared sizes bound every read."""
    infos = archive.infolist()
    if len(infos) > max_members:
        raise UploadRefused(
            _("The zip holds %(count)s files; at most %(limit)s are accepted.")
            % {"count": f"{len(infos):,}", "limit": f"{max_members:,}"}
        )
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise UploadRefused(
            _(
                "The file would unpack to %(size)s MB; the limit is %(limit)s MB. Files that "
                "expand far beyond their size are refused as unsafe (a “zip bomb”)."
            )
            % {"size": f"{total / MB:,.1f}", "limit": f"{max_uncompressed / MB:,.0f}"}
        )
    return total
