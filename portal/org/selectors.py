"""Reads of the organisation, scoped to the person asking."""

from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.roles import MANAGER, has_role

from .models import Department, RosterImport, StaffMember


def department_subtree_ids(root_ids) -> set[int]:
    """The given departments and everything below them (one query; the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), list(root_ids)
    while todo:
        pk = todo.pop()
        if pk in found:
            continue
        found.add(pk)
        todo.extend(children.get(pk, []))
    return found


def managed_department_ids(*, viewer) -> set[int]:
    """Departments a manager may see: the ones they manage, with sub-departments."""
    if not has_role(viewer, MANAGER):
        return set()
    roots = Department.objects.filter(managers__user=viewer).values_list("pk", flat=True)
    return department_subtree_ids(list(roots))


def sees_all_staff(viewer) -> bool:
    return viewer.is_authenticated and viewer.has_perm("org.view_all_staff")


def departments_visible(*, viewer) -> QuerySet:
    if sees_all_staff(viewer):
        return Department.objects.all()
    return Department.objects.filter(pk__in=managed_department_ids(viewer=viewer))


def staff_visible(*, viewer) -> QuerySet:
    """Staff the viewer may see: everyone for HR and rollout leads, their departments' staff
    for a manager, nobody otherwise (a learner sees their own record on My training)."""
    staff = StaffMember.objects.all()
    if sees_all_staff(viewer):
        return staff
    ids = managed_department_ids(viewer=viewer)
    return staff.filter(department_id__in=ids) if ids else staff.none()


def staff_list(
    *,
    viewer,
    q: str = "",
    department_id=None,
    job_role_id=None,
    shift_id=None,
    active: bool | None = True,
) -> QuerySet:
    staff = staff_visible(viewer=viewer).select_related("department", "job_role", "shift", "user")
    if q:
        staff = staff.filter(
            Q(full_name__icontains=q) | Q(employee_no__icontains=q) | Q(user__email__icontains=q)
        )
    if department_id:
        staff = staff.filter(department_id__in=department_subtree_ids([department_id]))
    if job_role_id:
        staff = staff.filter(job_role_id=job_role_id)
    if shift_id:
        staff = staff.filter(shift_id=shift_id)
    if active is not None:
        staff = staff.filter(active=active)
    return staff.order_by("department__code", "full_name")


def staff_get(*, viewer, pk: int) -> StaffMember:
    """One staff member, or 404 when it does not exist or the viewer may not see it (the two are
    indistinguishable on purpose: an id tells nothing about another department)."""
    member = (
        staff_visible(viewer=viewer)
        .select_related("department", "job_role", "shift", "user")
        .prefetch_related("managed_departments")
        .filter(pk=pk)
        .first()
    )
    if member is None:
        raise Http404
    return member


def staff_for_user(*, user) -> StaffMember | None:
    if not user.is_authenticated:
        return None
    return (
        StaffMember.objects.select_related("department", "job_role", "shift")
        .filter(user=user)
        .first()
    )


def roster_imports_visible(*, viewer) -> QuerySet:
    if not viewer.has_perm("org.import_roster"):
        return RosterImport.objects.none()
    return RosterImport.objects.defer("content").select_related("uploaded_by")


def roster_import_get(*, viewer, pk: int) -> RosterImport:
    found = roster_imports_visible(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
