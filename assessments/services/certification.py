"""Keeping the certification status table current, issuing certificates, and proficiency history.

`status_refresh(staff_ids=...)` recomputes the rows of those people from raw evidence (course
completions, exam attempts, certificates) with the rules of `assessments.certification_rules`
and the formula of `assessments.proficiency`, issues the certificates that are due, and appends a
proficiency record when a score changed. It is what every evidence change calls after commit
(`status_refresh_later`): an attempt graded or excluded, a rubric scored, a course completed, a
certificate revoked, a role or department change; and what the daily expiry job calls for the
rows whose dates have come. It is idempotent: a second run changes nothing.

`status_diff` is the same computation without writes, for `manage.py recompute_status --check`.

Concurrency: a refresh locks the people's staff rows first, so two refreshes of one person
(two workers, a retry) run one after the other and issue one certificate, not two.
"""

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import CourseProgress
from portal.org.models import StaffMember
from portal.org.selectors import department_subtree_ids
from portal.records.services import AuditEntry, audit_record_many

from .. import certification_rules as rules_
from .. import proficiency as prof
from ..models import (
    Attempt,
    Certificate,
    CertificationStatus,
    CertificationTrack,
    ProficiencyRecord,
)
from ..signals import status_changed

CHUNK = 2000
# The code on a certificate: no 0/O, 1/I/L, so it can be read out over the phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
STATUS_FIELDS = [
    "department_id",
    "job_role_id",
    "shift_id",
    "status",
    "requirements_done",
    "requirements_total",
    "missing",
    "certificate_id",
    "certified_on",
    "valid_until",
    "recertify_from",
    "grace_until",
    "score",
    "level",
    "score_complete",
    "practical_first_passed",
]


# ---------------------------------------------------------------------------------------------
# Tracks


@dataclass
class TrackInfo:
    track: CertificationTrack
    rules: rules_.TrackRules
    formula: prof.Formula
    department_ids: set[int] | None  # None: the whole hospital

    def applies_to(self, staff: StaffMember) -> bool:
        if staff.job_role_id != self.track.job_role_id:
            return False
        return self.department_ids is None or staff.department_id in self.department_ids

    @property
    def exam_ids(self) -> dict[str, int]:
        ids = {}
        if self.track.knowledge_exam_id:
            ids[prof.KNOWLEDGE] = self.track.knowledge_exam_id
        if self.track.practical_exam_id:
            ids[prof.PRACTICAL] = self.track.practical_exam_id
        return ids


def track_formula(track: CertificationTrack) -> prof.Formula:
    """The track's proficiency formula (raises prof.FormulaError for weights not summing to
    100 or thresholds out of order; the admin form shows that message)."""
    levels = (
        prof.Level("novice", 0, "Novice", "新手"),
        prof.Level("competent", track.competent_from, "Competent", "胜任"),
        prof.Level("proficient", track.proficient_from, "Proficient", "熟练"),
        prof.Level("expert", track.expert_from, "Expert", "专家"),
    )
    return prof.Formula(
        weights={
            prof.KNOWLEDGE: track.knowledge_weight / 100,
            prof.PRACTICAL: track.practical_weight / 100,
        },
        half_life_days=track.half_life_days,
        efficiency_floor=float(track.efficiency_floor),
        levels=levels,
    )


def tracks_load(*, include_inactive: bool = False) -> list[TrackInfo]:
    tracks = CertificationTrack.objects.prefetch_related("departments", "required_courses")
    if not include_inactive:
        tracks = tracks.filter(active=True)
    infos = []
    for track in tracks.order_by("pk"):
        roots = [d.pk for d in track.departments.all()]
        rules = rules_.TrackRules(
            course_ids=tuple(sorted(c.pk for c in track.required_courses.all())),
            knowledge_exam=bool(track.knowledge_exam_id),
            practical_exam=bool(track.practical_exam_id),
            validity_months=track.validity_months,
            recertify_days_before=track.recertify_days_before,
            grace_days=track.grace_days,
        )
        subtree = department_subtree_ids(roots) if roots else None
        infos.append(TrackInfo(track, rules, track_formula(track), subtree))
    return infos


# ---------------------------------------------------------------------------------------------
# Evidence, loaded for many people at once (a constant number of queries per chunk)


@dataclass
class AttemptFacts:
    pk: int
    exam_id: int
    staff_id: int
    number: int
    state: str
    finished_at: datetime | None
    percent: Decimal | None
    passed: bool | None
    needs_grading: bool
    excluded: bool
    excluded_reason: str
    excluded_by: str
    critical: list
    efficiency: float | None
    exam_title: str


@dataclass
class Evidence:
    courses: dict = field(default_factory=dict)  # (staff_id, course_id) -> completed_at or None
    attempts: dict = field(default_factory=lambda: defaultdict(list))  # (staff, exam) -> [facts]
    certificates: dict = field(default_factory=lambda: defaultdict(list))  # (staff, track) -> [..]


def evidence_load(*, staff_ids: list[int], tracks: list[TrackInfo]) -> Evidence:
    evidence = Evidence()
    course_ids = {c for info in tracks for c in info.rules.course_ids}
    exam_ids = {e for info in tracks for e in info.exam_ids.values()}
    if course_ids:
        rows = CourseProgress.objects.filter(
            staff_id__in=staff_ids, course_id__in=course_ids
        ).values_list("staff_id", "course_id", "completed_at")
        evidence.courses = {(s, c): done for s, c, done in rows}
    if exam_ids:
        rows = (
            Attempt.objects.filter(staff_id__in=staff_ids, exam_id__in=exam_ids)
            .order_by("finished_at", "pk")
            .values_list(
                "pk",
                "exam_id",
                "staff_id",
                "number",
                "state",
                "finished_at",
                "percent",
                "passed",
                "needs_grading",
                "excluded",
                "excluded_reason",
                "excluded_by",
                "simulation__critical_failures",
                "simulation__efficiency",
                "exam__title",
            )
        )
        for row in rows:
            facts = AttemptFacts(*row)
            evidence.attempts[(facts.staff_id, facts.exam_id)].append(facts)
    certificates = Certificate.objects.filter(staff_id__in=staff_ids).order_by("issued_at", "pk")
    for cert in certificates.only(
        "pk", "staff_id", "track_id", "valid_from", "valid_until", "revoked_at", "issued_at"
    ):
        evidence.certificates[(cert.staff_id, cert.track_id)].append(cert)
    return evidence


def _person_evidence(staff_id: int, info: TrackInfo, evidence: Evidence):
    person = rules_.PersonEvidence()
    for course_id in info.rules.course_ids:
        key = (staff_id, course_id)
        if key in evidence.courses:
            person.started = True
            done = evidence.courses[key]
            if done is not None:
                person.courses_done[course_id] = timezone.localdate(done)
    items = []
    for kind, exam_id in info.exam_ids.items():
        attempts = evidence.attempts.get((staff_id, exam_id), [])
        person.started = person.started or bool(attempts)
        finished = [a for a in attempts if a.state == Attempt.State.FINISHED and a.finished_at]
        person.passes[kind] = [
            rules_.Pass(timezone.localdate(a.finished_at), a.finished_at)
            for a in finished
            if a.passed and not a.excluded
        ]
        items.extend(_proficiency_evidence(kind, a) for a in finished)
        if kind == prof.PRACTICAL:
            # Readiness counts first-time passes: the first finished attempt that counts.
            counted = sorted((a for a in finished if not a.excluded), key=lambda a: a.finished_at)
            if counted and not counted[0].needs_grading:
                person.first_practical_passed = bool(counted[0].passed)
    return person, items


def _proficiency_evidence(kind: str, attempt: AttemptFacts) -> prof.Evidence:
    percent = None if attempt.needs_grading or attempt.percent is None else float(attempt.percent)
    efficiency = attempt.efficiency if kind == prof.PRACTICAL else None
    return prof.Evidence(
        kind=kind,
        attempt_id=attempt.pk,
        finished_at=attempt.finished_at,
        percent=percent,
        passed=bool(attempt.passed),
        critical_failures=tuple(attempt.critical or ()),
        efficiency=float(efficiency) if isinstance(efficiency, int | float) else None,
        excluded=attempt.excluded,
        excluded_reason=attempt.excluded_reason,
        excluded_by=attempt.excluded_by,
        label=attempt.exam_title,
    )


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---------------------------------------------------------------------------------------------
# Computing rows


@dataclass
class RowPlan:
    staff: StaffMember
    info: TrackInfo
    computed: rules_.Computed
    proficiency: prof.Proficiency | None  # None: no finished attempt at all
    first_practical_passed: bool | None = None

    def values(self) -> dict:
        p, c = self.proficiency, self.computed
        counted = p is not None and any(k.counted for k in p.kinds)
        return {
            "department_id": self.staff.department_id,
            "job_role_id": self.staff.job_role_id,
            "shift_id": self.staff.shift_id,
            "status": c.status,
            "requirements_done": c.done,
            "requirements_total": c.total,
            "missing": list(c.missing),
            "certificate_id": c.certificate_pk,
            "certified_on": c.certified_on,
            "valid_until": c.valid_until,
            "recertify_from": c.recertify_from,
            "grace_until": c.grace_until,
            "score": p.score if counted else None,
            "level": p.level.code if counted else "",
            "score_complete": bool(p and p.complete),
            "practical_first_passed": self.first_practical_passed,
        }


def _plans(staff: list[StaffMember], tracks: list[TrackInfo], evidence: Evidence, now) -> list:
    today = timezone.localdate(now)
    plans = []
    for member in staff:
        for info in tracks:
            if not info.applies_to(member):
                continue
            person, items = _person_evidence(member.pk, info, evidence)
            certs = [
                rules_.CertificateFacts(c.pk, c.valid_from, c.valid_until, c.revoked_at)
                for c in evidence.certificates.get((member.pk, info.track.pk), [])
            ]
            computed = rules_.status_compute(
                info.rules, person, certs, today=today, day_start=day_start
            )
            proficiency = (
                prof.proficiency_compute(formula=info.formula, evidence=items, as_of=now)
                if items
                else None
            )
            plans.append(
                RowPlan(member, info, computed, proficiency, person.first_practical_passed)
            )
    return plans


def _staff_chunk(staff_ids: list[int], *, lock: bool) -> list[StaffMember]:
    query = StaffMember.objects.filter(pk__in=staff_ids, active=True).order_by("pk")
    if lock:
        query = query.select_for_update()
    return list(
        query.only(
            "pk", "department_id", "job_role_id", "shift_id", "full_name", "employee_no", "user_id"
        )
    )


# ---------------------------------------------------------------------------------------------
# Refreshing


@dataclass
class RefreshReport:
    rows: int = 0
    changed: int = 0
    created: int = 0
    removed: int = 0
    certificates: list = field(default_factory=list)  # codes issued
    records: int = 0
    staff_changed: set = field(default_factory=set)  # whose rows changed


def status_refresh(
    *, staff_ids: Iterable[int] | None = None, cause: str = "", actor=None, now=None
) -> RefreshReport:
    """Recompute the status rows of these people (everybody when None), chunk by chunk."""
    now = now or timezone.now()
    tracks = tracks_load()
    if staff_ids is None:
        ids = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(staff_ids))
    report = RefreshReport()
    for start in range(0, len(ids), CHUNK):
        _refresh_chunk(ids[start : start + CHUNK], tracks, cause, actor, now, report)
    if report.staff_changed:
        changed = sorted(report.staff_changed)
        transaction.on_commit(
            lambda: status_changed.send(sender=CertificationStatus, staff_ids=changed)
        )
    return report


def _refresh_chunk(ids, tracks, cause, actor, now, report: RefreshReport) -> None:
    with transaction.atomic():
        staff = _staff_chunk(ids, lock=True)
        audit: list[AuditEntry] = []
        for _round in range(4):  # a renewal can make the next one due; a few rounds at most
            evidence = evidence_load(staff_ids=[s.pk for s in staff], tracks=tracks)
            plans = _plans(staff, tracks, evidence, now)
            due = [plan for plan in plans if plan.computed.due]
            if not due:
                break
            for plan in due:
                cert = _certificate_create(plan, now)
                report.certificates.append(cert.code)
                audit.append(_issue_entry(cert, actor, cause))
        _rows_write(ids, plans, report)
        report.records += _history_append(plans, cause, now)
        audit_record_many(entries=audit)


def _rows_write(ids: list[int], plans: list[RowPlan], report: RefreshReport) -> None:
    existing = {
        (row.staff_id, row.track_id): row
        for row in CertificationStatus.objects.filter(staff_id__in=ids)
    }
    _notify(plans, existing)  # before the rows change: it compares old and new status
    wanted = set()
    creates, updates = [], []
    for plan in plans:
        key = (plan.staff.pk, plan.info.track.pk)
        wanted.add(key)
        values = plan.values()
        row = existing.get(key)
        if row is None:
            creates.append(CertificationStatus(staff_id=key[0], track_id=key[1], **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            updates.append(row)
    # Rows for tracks that no longer apply (the person changed role, left, the track was
    # retired). Their evidence and certificates stay; the table lists what applies now.
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    report.staff_changed.update(row.staff_id for row in creates + updates)
    report.staff_changed.update(key[0] for key, row in existing.items() if key not in wanted)
    CertificationStatus.objects.bulk_create(creates, batch_size=1000)
    CertificationStatus.objects.bulk_update(updates, STATUS_FIELDS + ["updated_at"], 1000)
    if stale:
        CertificationStatus.objects.filter(pk__in=stale).delete()
    report.rows += len(plans)
    report.created += len(creates)
    report.changed += len(updates)
    report.removed += len(stale)


def _notify(plans: list[RowPlan], existing: dict) -> None:
    """Tell people when recertification opens for them (once: on the change to expiring) and
    when a certificate is issued, in English and Chinese, on their notifications page."""
    from courses.models import Notification

    S = CertificationStatus.Status
    notices = []
    for plan in plans:
        if plan.staff.user_id is None:
            continue
        row = existing.get((plan.staff.pk, plan.info.track.pk))
        before = row.status if row else None
        after = plan.computed.status
        track = plan.info.track
        zh = track.name_zh or track.name
        if after == S.EXPIRING and before == S.CERTIFIED:
            until = plan.computed.valid_until.isoformat()
            title = f"Recertification open: {track.name} / 重新认证已开放：{zh}"
            body = (
                f"Your certificate is valid until {until}. Pass the track's exams again to renew "
                f"it. / 您的证书有效期至 {until}，请重新通过认证考核以续期。"
            )
        elif (
            after == S.CERTIFIED
            and plan.computed.certificate_pk
            and (row is None or row.certificate_id != plan.computed.certificate_pk)
        ):
            title = f"Certified: {track.name} / 已获认证：{zh}"
            body = (
                "Your certificate is ready on My certificates. / 证书已发放，请在“我的证书”查看。"
            )
        else:
            continue
        notices.append(
            Notification(user_id=plan.staff.user_id, title=title[:200], body=body, url=_MINE)
        )
    Notification.objects.bulk_create(notices, batch_size=1000)


_MINE = "/exams/certificates/"


def _certificate_create(plan: RowPlan, now) -> Certificate:
    valid_from, valid_until = plan.computed.due
    track, p = plan.info.track, plan.proficiency
    previous = plan.computed.certificate_pk
    return Certificate.objects.create(
        code=certificate_code_new(),
        staff_id=plan.staff.pk,
        track=track,
        holder_name=plan.staff.full_name,
        employee_no=plan.staff.employee_no,
        track_name=track.name,
        track_name_zh=track.name_zh,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_at=now,
        score=p.score if p else None,
        level=p.level.code if p else "",
        replaces_id=previous,
    )


def certificate_code_new() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Certificate.objects.filter(code=code).exists():
            return code


def _issue_entry(cert: Certificate, actor, cause: str) -> AuditEntry:
    return AuditEntry(
        action="certificate.issue",
        actor=actor,
        object_type="assessments.certificate",
        object_id=cert.pk,
        after=certificate_snapshot(cert) | {"cause": cause},
        extra={"actor_label": "" if actor else "system (certification)"},
    )


def certificate_snapshot(cert: Certificate) -> dict:
    return {
        "code": cert.code,
        "staff": cert.staff_id,
        "employee_no": cert.employee_no,
        "holder_name": cert.holder_name,
        "track": cert.track_id,
        "valid_from": cert.valid_from,
        "valid_until": cert.valid_until,
        "replaces": cert.replaces_id,
        "revoked_at": cert.revoked_at,
        "revoked_reason": cert.revoked_reason,
    }


# ---------------------------------------------------------------------------------------------
# Proficiency history


def _history_append(plans: list[RowPlan], cause: str, now) -> int:
    scored = [plan for plan in plans if plan.values()["score"] is not None]
    if not scored:
        return 0
    last = _last_records({(plan.staff.pk, plan.info.track.pk) for plan in scored})
    new = []
    for plan in scored:
        values = plan.values()
        key = (plan.staff.pk, plan.info.track.pk)
        point = (values["score"], values["level"], values["score_complete"])
        if last.get(key) == point:
            continue
        new.append(
            ProficiencyRecord(
                staff_id=key[0],
                track_id=key[1],
                at=now,
                score=values["score"],
                level=values["level"],
                complete=values["score_complete"],
                cause=cause[:60],
                explanation={
                    "en": plan.proficiency.explain("en"),
                    "zh": plan.proficiency.explain("zh"),
                },
            )
        )
    ProficiencyRecord.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _last_records(keys: set) -> dict:
    """The newest record per (staff, track): (score, level, complete)."""
    if not keys:
        return {}
    staff_ids = {k[0] for k in keys}
    rows = (
        ProficiencyRecord.objects.filter(staff_id__in=staff_ids)
        .order_by("staff_id", "track_id", "at", "pk")
        .values_list("staff_id", "track_id", "score", "level", "complete")
    )
    # Rows come oldest first, so the dict keeps the newest per key.
    return {(s, t): (score, level, complete) for s, t, score, level, complete in rows}


# ---------------------------------------------------------------------------------------------
# The check: recompute without writing


@dataclass
class Difference:
    staff_id: int
    track_id: int
    field: str
    stored: object
    computed: object

    def __str__(self):
        return (
            f"staff {self.staff_id} track {self.track_id}: {self.field} "
            f"stored {self.stored!r}, computed {self.computed!r}"
        )


def status_diff(*, staff_ids: Iterable[int] | None = None, now=None) -> list[Difference]:
    """Every difference between the stored table (and certificates, and the latest proficiency
    record) and a recompute from raw evidence. Empty when the table is right."""
    now = now or timezone.now()
    tracks = tracks_load()
    if staff_ids is None:
        ids = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(staff_ids))
    differences: list[Difference] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        staff = _staff_chunk(chunk, lock=False)
        plans = _plans(staff, tracks, evidence_load(staff_ids=chunk, tracks=tracks), now)
        differences.extend(_chunk_diff(chunk, plans))
    return differences


def _chunk_diff(ids: list[int], plans: list[RowPlan]) -> list[Difference]:
    stored = {
        (row.staff_id, row.track_id): row
        for row in CertificationStatus.objects.filter(staff_id__in=ids)
    }
    last = _last_records({(p.staff.pk, p.info.track.pk) for p in plans})
    out, wanted = [], set()
    for plan in plans:
        key = (plan.staff.pk, plan.info.track.pk)
        wanted.add(key)
        values = plan.values()
        if plan.computed.due:
            out.append(Difference(*key, "certificate", None, plan.computed.due))
        row = stored.get(key)
        if row is None:
            out.append(Difference(*key, "row", None, values["status"]))
            continue
        for name, value in values.items():
            if getattr(row, name) != value:
                out.append(Difference(*key, name, getattr(row, name), value))
        if values["score"] is not None:
            point = (values["score"], values["level"], values["score_complete"])
            if last.get(key) != point:
                out.append(Difference(*key, "history", last.get(key), point))
    for key, row in stored.items():
        if key not in wanted:
            out.append(Difference(*key, "row", row.status, None))
    return out


# ---------------------------------------------------------------------------------------------
# After commit


def status_refresh_later(*, staff_ids: Iterable[int], cause: str) -> None:
    """Queue a refresh of these people once the current transaction commits."""
    from ..tasks import status_refresh_task

    ids = sorted({int(pk) for pk in staff_ids})
    if ids:
        status_refresh_task.delay_on_commit(staff_ids=ids, cause=cause)


def statuses_due_for_dates(*, today: date) -> list[int]:
    """People whose certificate crossed a date (recertification opened, grace ended) or whose
    score may have moved: what the daily job refreshes."""
    return list(
        CertificationStatus.objects.filter(
            Q(status=CertificationStatus.Status.CERTIFIED, recertify_from__lte=today)
            | Q(status=CertificationStatus.Status.EXPIRING, grace_until__lt=today)
        )
        .values_list("staff_id", flat=True)
        .distinct()
    )


def plans_for(*, staff_ids: list[int], now=None) -> list[RowPlan]:
    """What a refresh would write for these people, without writing (the proficiency page
    explains the score from it, live)."""
    now = now or timezone.now()
    tracks = tracks_load()
    staff = _staff_chunk(staff_ids, lock=False)
    return _plans(staff, tracks, evidence_load(staff_ids=staff_ids, tracks=tracks), now)
