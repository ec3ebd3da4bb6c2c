"""Enrolment: curricula × roster -> assignments, and the curriculum edits that change them.

`assignments_recompute` is the one place that decides who owes what by when. It is set-based
(a handful of queries whatever the number of staff: rows read with values_list, the work done
in Python, changes written in bulk) and idempotent (a second run finds nothing to change).
Assignments are never deleted: one that no longer applies is withdrawn and keeps its progress
and completion; if it applies again it is re-activated as it was.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from courses.models import Assignment, Curriculum, CurriculumItem
from courses.selectors.enrolment import item_kind_for
from courses.services.assignment_counts import assignment_counts_refresh
from portal.org.golive import department_go_live_dates
from portal.org.models import Department, StaffMember
from portal.org.selectors import department_subtree_ids
from portal.records.services import audit_record

Rule = CurriculumItem.DueRule
ACTIVE, WITHDRAWN = Assignment.Status.ACTIVE, Assignment.Status.WITHDRAWN
BATCH = 1000
# Above this many staff ids, read every row and filter in Python rather than in long IN lists.
IDS_IN_SQL = 5000

Key = tuple[int, int]  # (content_type_id, object_id)
Due = tuple[date | None, int]  # (due date or None, curriculum id)
NewRow = tuple[int, int, int, int, date | None]  # staff, content type, object, curriculum, due


# ---------------------------------------------------------------------------------------------
# What the curricula require


@dataclass
class _Curriculum:
    pk: int
    department_ids: set[int] | None  # None: the whole hospital
    items: list[tuple[Key, str, date | None, int | None]] = field(default_factory=list)


@dataclass
class _Requirements:
    """What staff of one job role in one department owe. Due dates that do not depend on the
    person are resolved once (`fixed`); "N days after hire" ones are kept as the smallest N
    per item (`after_hire`) and resolved per person."""

    fixed: dict[Key, Due] = field(default_factory=dict)
    after_hire: dict[Key, tuple[int, int]] = field(default_factory=dict)


def _earlier(candidate: Due, current: Due | None) -> bool:
    """Earliest due date wins; a date beats none; on a tie the curriculum seen first stays."""
    if current is None:
        return True
    if candidate[0] is None:
        return False
    return current[0] is None or candidate[0] < current[0]


def _curricula_by_role() -> dict[int, list[_Curriculum]]:
    curricula = {
        pk: (role_id, _Curriculum(pk, None))
        for pk, role_id in Curriculum.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "job_role_id")
    }
    if not curricula:
        return {}
    limits: dict[int, list[int]] = {}
    for curriculum_id, department_id in Curriculum.departments.through.objects.filter(
        curriculum_id__in=list(curricula)
    ).values_list("curriculum_id", "department_id"):
        limits.setdefault(curriculum_id, []).append(department_id)
    for curriculum_id, roots in limits.items():
        curricula[curriculum_id][1].department_ids = department_subtree_ids(roots)

    items = list(
        CurriculumItem.objects.filter(curriculum_id__in=list(curricula))
        .order_by("curriculum_id", "sort_order", "pk")
        .values_list(
            "curriculum_id", "content_type_id", "object_id", "due_rule", "due_date", "due_days"
        )
    )
    assignable = _assignable_targets({(ct, oid) for _c, ct, oid, *_rest in items})
    for curriculum_id, ct, oid, rule, due_date, due_days in items:
        if (ct, oid) in assignable:
            curricula[curriculum_id][1].items.append(((ct, oid), rule, due_date, due_days))

    by_role: dict[int, list[_Curriculum]] = {}
    for role_id, curriculum in curricula.values():
        by_role.setdefault(role_id, []).append(curriculum)
    return by_role


def _assignable_targets(keys: set[Key]) -> set[Key]:
    """The items whose target may be assigned now (e.g. the course is still published): one
    query per kind of item."""
    by_type: dict[int, set[int]] = {}
    for ct, oid in keys:
        by_type.setdefault(ct, set()).add(oid)
    found: set[Key] = set()
    for ct, ids in by_type.items():
        kind = item_kind_for(ct)
        if kind is not None:
            ok = kind.assignable_ids(ids)
        else:
            # A kind nobody registered (its app was removed): assign what still exists.
            model = ContentType.objects.get_for_id(ct).model_class()
            ok = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True)) if model else ()
        found.update((ct, oid) for oid in ok)
    return found


def _go_live_dates() -> dict[int, date | None]:
    """Each department's go-live: its own (its rollout wave's, through portal.org.golive),
    else its nearest ancestor's, else none. Two queries whatever the size of the tree."""
    own = department_go_live_dates()
    rows = {
        pk: (parent_id, own.get(pk))
        for pk, parent_id in Department.objects.values_list("pk", "parent_id")
    }
    resolved: dict[int, date | None] = {}

    def resolve(pk: int) -> date | None:
        chain, node = [], pk
        while node is not None and node not in resolved:
            parent_id, go_live = rows[node]
            if go_live is not None:
                resolved[node] = go_live
                break
            chain.append(node)
            if parent_id in chain:  # a cycle (bad data): stop climbing
                parent_id = None
            node = parent_id
        found = resolved.get(node) if node is not None else None
        for member in chain:
            resolved[member] = found
        return resolved[pk]

    for pk in rows:
        resolve(pk)
    return resolved


def _requirements(
    curricula: list[_Curriculum], department_id: int, go_live: date | None
) -> _Requirements:
    required = _Requirements()
    for curriculum in curricula:
        if curriculum.department_ids is not None and department_id not in curriculum.department_ids:
            continue
        for key, rule, due_date, due_days in curriculum.items:
            if rule == Rule.AFTER_HIRE and due_days is not None:
                current = required.after_hire.get(key)
                if current is None or due_days < current[0]:
                    required.after_hire[key] = (due_days, curriculum.pk)
                continue
            if rule == Rule.FIXED:
                due = due_date
            elif rule == Rule.BEFORE_GO_LIVE and go_live is not None and due_days is not None:
                due = go_live - timedelta(days=due_days)
            else:
                due = None
            candidate = (due, curriculum.pk)
            if _earlier(candidate, required.fixed.get(key)):
                required.fixed[key] = candidate
    return required


def _owed(required: _Requirements, hire_date: date | None) -> dict[Key, Due]:
    if not required.after_hire:
        return required.fixed
    owed = dict(required.fixed)
    for key, (days, curriculum_id) in required.after_hire.items():
        candidate = (hire_date + timedelta(days=days) if hire_date else None, curriculum_id)
        if _earlier(candidate, owed.get(key)):
            owed[key] = candidate
    return owed


# ---------------------------------------------------------------------------------------------
# The recompute


def _rows(queryset, fields: list[str], staff_field: str, staff_ids: list[int] | None):
    """values_list rows, limited to the given staff (in IN-lists of BATCH ids, or for many ids
    by reading every row and filtering here)."""
    if staff_ids is None:
        yield from queryset.values_list(*fields).iterator(chunk_size=10_000)
        return
    if len(staff_ids) > IDS_IN_SQL:
        wanted = set(staff_ids)
        position = fields.index(staff_field)
        for row in queryset.values_list(*fields).iterator(chunk_size=10_000):
            if row[position] in wanted:
                yield row
        return
    for start in range(0, len(staff_ids), BATCH):
        chunk = staff_ids[start : start + BATCH]
        yield from queryset.filter(**{f"{staff_field}__in": chunk}).values_list(*fields)


def assignments_recompute(*, staff_ids: Iterable[int] | None = None) -> dict:
    """Bring the assignments of these staff (all staff when None) in line with the active
    curricula. Returns counts {created, updated, reactivated, withdrawn, unchanged}; writes one
    audit event."""
    ids = None if staff_ids is None else sorted(set(staff_ids))
    counts = dict.fromkeys(("created", "updated", "reactivated", "withdrawn", "unchanged"), 0)
    if ids == []:
        return counts

    by_role = _curricula_by_role()
    go_live = _go_live_dates()
    existing: dict[tuple[int, int, int], tuple[int, date | None, int | None, str]] = {
        (staff_id, ct, oid): (pk, due, curriculum_id, status)
        for pk, staff_id, ct, oid, due, curriculum_id, status in _rows(
            Assignment.objects.all(),
            [
                "pk",
                "staff_id",
                "content_type_id",
                "object_id",
                "due_date",
                "curriculum_id",
                "status",
            ],
            "staff_id",
            ids,
        )
    }

    create: list[NewRow] = []
    update: list[tuple[int, date | None, int]] = []
    reactivate: list[tuple[int, date | None, int]] = []
    cache: dict[tuple[int, int], _Requirements] = {}
    staff_count = 0
    touched: set[int] = set()  # staff whose assignments change: recounted
    for staff_id, role_id, department_id, hire_date, active in _rows(
        StaffMember.objects.all(),
        ["pk", "job_role_id", "department_id", "hire_date", "active"],
        "pk",
        ids,
    ):
        staff_count += 1
        if not active or role_id not in by_role:
            continue  # owes nothing: whatever it has is withdrawn below
        required = cache.get((role_id, department_id))
        if required is None:
            required = cache[(role_id, department_id)] = _requirements(
                by_role[role_id], department_id, go_live.get(department_id)
            )
        for (ct, oid), (due, curriculum_id) in _owed(required, hire_date).items():
            row = existing.pop((staff_id, ct, oid), None)
            if row is None:
                create.append((staff_id, ct, oid, curriculum_id, due))
            elif row[3] != ACTIVE:
                reactivate.append((row[0], due, curriculum_id))
            elif (row[1], row[2]) != (due, curriculum_id):
                update.append((row[0], due, curriculum_id))
            else:
                counts["unchanged"] += 1
                continue
            touched.add(staff_id)
    # What is left no longer applies.
    withdraw = []
    for (staff_id, _ct, _oid), row in existing.items():
        if row[3] == ACTIVE:
            withdraw.append(row[0])
            touched.add(staff_id)

    with transaction.atomic():
        _insert(create)
        _set_due(update)
        _set_due(reactivate, status=ACTIVE, withdrawn_at=None)
        now = timezone.now()
        for start in range(0, len(withdraw), BATCH):
            Assignment.objects.filter(pk__in=withdraw[start : start + BATCH], status=ACTIVE).update(
                status=WITHDRAWN, withdrawn_at=now
            )
        assignment_counts_refresh(staff_ids=touched)
        counts.update(
            created=len(create),
            updated=len(update),
            reactivated=len(reactivate),
            withdrawn=len(withdraw),
        )
        audit_record(
            action="assignments.recompute",
            object_type="courses.assignment",
            after={**counts, "staff": staff_count if ids is not None else "all"},
        )
    return counts


def _insert(rows: list[NewRow]):
    """Insert new active assignments: the bulk of a first run. COPY on PostgreSQL and
    executemany on SQLite are several times faster than bulk_create (which builds a model
    instance and a long statement per batch): 208,000 rows in 7 s rather than 30-40 s."""
    if not rows:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                _copy(rows, now)
            return
        except IntegrityError:
            pass  # a concurrent run inserted some of them: insert the rest, skipping those
    elif connection.vendor == "sqlite":
        _insert_or_ignore(rows, now)
        return
    Assignment.objects.bulk_create(
        [
            Assignment(
                staff_id=s, content_type_id=ct, object_id=oid, curriculum_id=cid, due_date=due
            )
            for s, ct, oid, cid, due in rows
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def _table_and_columns() -> tuple[str, str]:
    opts, quote = Assignment._meta, connection.ops.quote_name
    names = ["staff", "content_type", "object_id", "curriculum", "due_date", "status"]
    columns = [opts.get_field(name).column for name in names] + ["assigned_at"]
    return quote(opts.db_table), ", ".join(quote(c) for c in columns)


def _copy(rows: list[NewRow], now):
    table, columns = _table_and_columns()
    # The driver's own cursor (Django's has no COPY); its errors wrapped as Django's.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for s, ct, oid, cid, due in rows:
            copy.write_row((s, ct, oid, cid, due, ACTIVE, now))


def _insert_or_ignore(rows: list[NewRow], now):
    table, columns = _table_and_columns()
    sql = f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 7)})"
    adapt_date = connection.ops.adapt_datefield_value
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10 * BATCH):
            cursor.executemany(
                sql,
                [
                    (s, ct, oid, cid, adapt_date(due), ACTIVE, at)
                    for s, ct, oid, cid, due in rows[start : start + 10 * BATCH]
                ],
            )


def _set_due(rows: list[tuple[int, date | None, int]], **also):
    """Write (pk, due date, curriculum) to many assignments: one UPDATE per distinct value when
    there are few (a department's go-live moved: everybody there gets the same new date), else
    bulk_update (an "after hire" rule changed: a date per person)."""
    if not rows:
        return
    by_value: dict[tuple[date | None, int], list[int]] = {}
    for pk, due, curriculum_id in rows:
        by_value.setdefault((due, curriculum_id), []).append(pk)
    if len(by_value) <= 50:
        for (due, curriculum_id), pks in by_value.items():
            for start in range(0, len(pks), BATCH):
                Assignment.objects.filter(pk__in=pks[start : start + BATCH]).update(
                    due_date=due, curriculum_id=curriculum_id, **also
                )
        return
    objs = []
    for pk, due, curriculum_id in rows:
        obj = Assignment(pk=pk, due_date=due, curriculum_id=curriculum_id, **also)
        objs.append(obj)
    Assignment.objects.bulk_update(objs, ["due_date", "curriculum_id", *also], batch_size=BATCH)


# ---------------------------------------------------------------------------------------------
# Curricula edited in the admin


def _curriculum_snapshot(curriculum: Curriculum | None) -> dict | None:
    if curriculum is None or curriculum.pk is None:
        return None
    fresh = Curriculum.objects.filter(pk=curriculum.pk).first()
    if fresh is None:
        return None
    return {
        "name": fresh.name,
        "name_zh": fresh.name_zh,
        "job_role": fresh.job_role_id,
        "departments": sorted(fresh.departments.values_list("pk", flat=True)),
        "active": fresh.active,
        "items": [
            {
                "content_type": ct,
                "object_id": oid,
                "order": order,
                "due_rule": rule,
                "due_date": due_date.isoformat() if due_date else None,
                "due_days": due_days,
            }
            for ct, oid, order, rule, due_date, due_days in fresh.items.order_by(
                "sort_order", "pk"
            ).values_list(
                "content_type_id", "object_id", "sort_order", "due_rule", "due_date", "due_days"
            )
        ],
    }


def _recompute_all_on_commit():
    from courses.tasks.enrolment import assignments_recompute_task

    assignments_recompute_task.delay_on_commit(staff_ids=None)


def curriculum_save(*, actor, form, ip: str | None = None) -> Curriculum:
    """Save a curriculum with its items (the admin's validated form, which saves both), audit
    before/after, and recompute everybody's assignments after commit when anything changed. An
    unchanged save (a double submit) writes and queues nothing."""
    creating = form.instance.pk is None
    permission = "courses.add_curriculum" if creating else "courses.change_curriculum"
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied
    with transaction.atomic():
        before = None if creating else _curriculum_snapshot(form.instance)
        curriculum = form.save()
        after = _curriculum_snapshot(curriculum)
        if before == after:
            return curriculum
        audit_record(
            action=f"curriculum.{'create' if creating else 'update'}",
            actor=actor,
            obj=curriculum,
            before=before,
            after=after,
            ip=ip,
        )
        _recompute_all_on_commit()
    return curriculum


def curriculum_delete(*, actor, curriculum: Curriculum, ip: str | None = None) -> None:
    """Delete a curriculum and its items. Its assignments stay (withdrawn by the recompute
    unless another curriculum still requires the item). Deactivating is usually the better
    choice; deleting is for mistakes."""
    if actor is not None and not actor.has_perm("courses.delete_curriculum"):
        raise PermissionDenied
    with transaction.atomic():
        before = _curriculum_snapshot(curriculum)
        audit_record(action="curriculum.delete", actor=actor, obj=curriculum, before=before, ip=ip)
        curriculum.delete()
        _recompute_all_on_commit()
