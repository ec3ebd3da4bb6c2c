"""Practical scenarios as trainers manage them: saved from the admin editor, imported and
exported as packs, and the starter pack that ships with Readyline.

A scenario's definition is validated by the engine (`simulation.scenario_load`: the published
JSON Schema, then every reference) before anything is written. Saving a changed definition
adds a version; attempts keep the version they were taken on. Every save is audited.

A pack is a zip of scenario files (`<slug>.yaml` or `.json`), or one scenario file, or a YAML
file of several documents. Import is all-or-nothing: one invalid scenario imports none.
"""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from portal.records.services import audit_record
from portal.uploads import UploadRefused, zip_limits_check

from .. import simulation
from ..models import Scenario, ScenarioVersion

STARTER_DIR = Path(__file__).resolve().parents[1] / "simulation" / "starter"
MAX_PACK_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024
# Zip-bomb limits for the whole pack (a pack may carry other files, which are skipped).
MAX_PACK_MEMBERS = 1000
MAX_PACK_UNCOMPRESSED = 100 * 1024 * 1024
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")


class PackRefused(ValueError):
    """The pack cannot be imported; `errors` are (where, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {message}" for where, message in errors))
        self.errors = errors


@dataclass
class PackEntry:
    source: str  # the file (and document) it came from
    definition: dict
    status: str = ""  # "new", "changed" or "unchanged" (against the stored scenarios)


@dataclass
class PackPreview:
    entries: list[PackEntry] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)


def latest_version(scenario: Scenario) -> ScenarioVersion | None:
    return scenario.versions.order_by("-number").first()


def scenario_definition_check(definition) -> dict:
    """The definition as the engine reads it back; raises simulation.ScenarioInvalid."""
    return simulation.scenario_dump(simulation.scenario_load(definition))


def scenario_save(*, definition, actor=None, ip: str | None = None) -> tuple[Scenario, bool]:
    """Create the scenario of `definition`, or add a version when it changed. Returns
    (scenario, whether a version was written). Raises simulation.ScenarioInvalid."""
    clean = scenario_definition_check(definition)
    with transaction.atomic():
        scenario, created = Scenario.objects.select_for_update().get_or_create(
            slug=clean["slug"],
            defaults={
                "title": clean["title"]["en"],
                "title_zh": clean["title"]["zh"],
                "role": clean["role"],
            },
        )
        current = None if created else latest_version(scenario)
        if current is not None and current.definition == clean:
            return scenario, False
        number = current.number + 1 if current else 1
        ScenarioVersion.objects.create(
            scenario=scenario, number=number, definition=clean, created_by=actor
        )
        if not created:
            scenario.title, scenario.title_zh = clean["title"]["en"], clean["title"]["zh"]
            scenario.role = clean["role"]
            scenario.save(update_fields=["title", "title_zh", "role", "updated_at"])
        audit_record(
            action="scenario.save",
            actor=actor,
            obj=scenario,
            before={"version": current.number} if current else None,
            after={"version": number, "tasks": [task["id"] for task in clean["tasks"]]},
            ip=ip,
        )
    return scenario, True


# ---------------------------------------------------------------------------------------------
# Packs


def _documents(name: str, data: bytes) -> list[tuple[str, object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackRefused([(name, _("The file is not UTF-8 text."))]) from None
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise PackRefused([(where, _("This is not valid YAML or JSON."))]) from None
    if len(documents) == 1 and isinstance(documents[0], list):
        documents = documents[0]  # a JSON (or YAML) list of scenarios
    if not documents:
        raise PackRefused([(name, _("The file holds no scenario."))])
    if len(documents) == 1:
        return [(name, documents[0])]
    return [(f"{name} #{n}", doc) for n, doc in enumerate(documents, start=1)]


def _files(filename: str, data: bytes) -> list[tuple[str, bytes]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [(filename, data)]
    files = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            zip_limits_check(
                archive, max_members=MAX_PACK_MEMBERS, max_uncompressed=MAX_PACK_UNCOMPRESSED
            )
        except UploadRefused as exc:
            raise PackRefused([(filename, exc.message)]) from exc
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(SCENARIO_SUFFIXES)
            and not Path(info.filename).name.startswith(".")
        ]
        if len(members) > MAX_PACK_FILES:
            raise PackRefused(
                [(filename, _("A pack holds at most %(n)s scenarios.") % {"n": MAX_PACK_FILES})]
            )
        for info in members:
            if info.file_size > MAX_FILE_BYTES:
                raise PackRefused([(info.filename, _("The file is larger than 2 MB."))])
            files.append((info.filename, archive.read(info)))
    if not files:
        raise PackRefused([(filename, _("The zip file holds no .yaml or .json scenario."))])
    return files


def pack_parse(*, filename: str, data: bytes) -> PackPreview:
    """Read and validate a pack without writing anything; raises PackRefused listing every
    error of every scenario (file, path in the file, message)."""
    errors: list[tuple[str, str]] = []
    preview = PackPreview()
    slugs: dict[str, str] = {}
    for name, content in _files(filename, data):
        try:
            documents = _documents(name, content)
        except PackRefused as refused:
            errors += refused.errors
            continue
        for source, document in documents:
            try:
                clean = scenario_definition_check(document)
            except simulation.ScenarioInvalid as invalid:
                errors += [
                    (f"{source}: {path}" if path else source, msg) for path, msg in invalid.errors
                ]
                continue
            if clean["slug"] in slugs:
                errors.append(
                    (
                        source,
                        _("The identifier “%(slug)s” is also used by %(other)s.")
                        % {"slug": clean["slug"], "other": slugs[clean["slug"]]},
                    )
                )
                continue
            slugs[clean["slug"]] = source
            preview.entries.append(PackEntry(source=source, definition=clean))
    if errors:
        raise PackRefused(errors)
    _statuses(preview)
    return preview


def _statuses(preview: PackPreview) -> None:
    stored = {
        scenario.slug: scenario
        for scenario in Scenario.objects.filter(
            slug__in=[e.definition["slug"] for e in preview.entries]
        )
    }
    latest = {
        version.scenario_id: version.definition
        for version in ScenarioVersion.objects.filter(scenario__in=stored.values()).order_by(
            "scenario_id", "number"
        )
    }
    for entry in preview.entries:
        scenario = stored.get(entry.definition["slug"])
        if scenario is None:
            entry.status = "new"
        elif latest.get(scenario.pk) == entry.definition:
            entry.status = "unchanged"
        else:
            entry.status = "changed"


def pack_import(*, filename: str, data: bytes, actor=None, ip: str | None = None) -> PackPreview:
    """Import a pack all-or-nothing (parsed again: what was previewed is not trusted)."""
    preview = pack_parse(filename=filename, data=data)
    with transaction.atomic():
        for entry in preview.entries:
            scenario_save(definition=entry.definition, actor=actor, ip=ip)
    return preview


def pack_export(scenarios) -> bytes:
    """A zip of the newest version of each scenario, one `<slug>.yaml` per scenario."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for scenario in scenarios:
            version = latest_version(scenario)
            if version is None:
                continue
            archive.writestr(f"{scenario.slug}.yaml", scenario_yaml(version.definition))
    return buffer.getvalue()


def scenario_yaml(definition: dict) -> str:
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)


def starter_files() -> list[Path]:
    return sorted(STARTER_DIR.glob("*.yaml"))


def starter_pack_load(*, actor=None) -> list[Scenario]:
    """The starter pack's scenarios, created or brought up to date (idempotent)."""
    scenarios = []
    for path in starter_files():
        scenario, _written = scenario_save(definition=path.read_text(encoding="utf-8"), actor=actor)
        scenarios.append(scenario)
    return scenarios
