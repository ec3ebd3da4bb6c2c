"""Every string of the catalogue is translated, and the committed .mo matches the .po."""

import ast
import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "portal/locale/zh_Hans/LC_MESSAGES/django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def _entries():
    """(msgctxt, msgid, msgid_plural, [msgstr...]) for each entry but the header."""
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" not in fields or not _unquote(fields["msgid"]):
            continue
        strs = [_unquote(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        yield (
            _unquote(fields["msgctxt"]) if "msgctxt" in fields else None,
            _unquote(fields["msgid"]),
            _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None,
            strs,
        )


def test_every_string_is_translated():
    untranslated = [msgid for _ctx, msgid, _pl, strs in _entries() if not all(strs)]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8").split("msgid", 2)[2]


def test_compiled_catalogue_matches_the_po_file():
    entries = list(_entries())
    assert len(entries) > 150
    with translation.override("zh-hans"):
        for ctx, msgid, plural, strs in entries:
            if ctx:
                got = translation.pgettext(ctx, msgid)
            elif plural:
                got = translation.ngettext(msgid, plural, 1)
            else:
                got = translation.gettext(msgid)
            assert got == strs[0], f"{msgid!r}: .mo says {got!r}, .po says {strs[0]!r}"


# What makemessages extracts: Django's xgettext keywords. A translation function imported under
# another name (`gettext_lazy as _lazy`) is never extracted, so its strings stay English.
KEYWORDS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
KEYWORDS |= {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy", "N_"}
ALIAS = re.compile(r"from django\.utils\.translation import .*\b(\w+) as (\w+)")


def test_translation_functions_keep_names_makemessages_extracts():
    root = PO.parents[4]
    offenders = []
    for path in root.glob("**/*.py"):
        if any(part in (".venv", "var", "node_modules") for part in path.parts):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = ALIAS.search(line)
            if match and match.group(2) not in KEYWORDS:
                offenders.append(f"{path.relative_to(root)}: {line.strip()}")
    assert not offenders, offenders
