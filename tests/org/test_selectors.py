import pytest
from django.http import Http404

from portal.accounts import roles
from portal.org.selectors import department_subtree_ids, staff_get, staff_list, staff_visible
from tests.factories import DepartmentFactory, StaffFactory, person, shift

pytestmark = pytest.mark.django_db


def test_subtree_includes_every_level_below():
    root = DepartmentFactory()
    child = DepartmentFactory(parent=root)
    grandchild = DepartmentFactory(parent=child)
    DepartmentFactory()  # unrelated
    assert department_subtree_ids([root.pk]) == {root.pk, child.pk, grandchild.pk}
    assert department_subtree_ids([child.pk]) == {child.pk, grandchild.pk}


def test_manager_sees_managed_departments_and_below_only():
    ed, card = DepartmentFactory(), DepartmentFactory()
    obs = DepartmentFactory(parent=ed)
    manager = person([roles.MANAGER], department=ed)
    manager.managed_departments.add(ed)
    mine = [StaffFactory(department=ed), StaffFactory(department=obs)]
    other = StaffFactory(department=card)
    visible = set(staff_visible(viewer=manager.user))
    assert set(mine) <= visible and other not in visible
    with pytest.raises(Http404):
        staff_get(viewer=manager.user, pk=other.pk)


def test_manager_role_without_departments_sees_nobody():
    manager = person([roles.MANAGER])
    StaffFactory()
    assert not staff_visible(viewer=manager.user).exists()


def test_learner_sees_nobody_and_hr_sees_everyone():
    learner, hr = person([roles.LEARNER]), person([roles.HR])
    StaffFactory()
    assert not staff_visible(viewer=learner.user).exists()
    assert staff_visible(viewer=hr.user).count() == 3


def test_staff_list_filters():
    ed = DepartmentFactory()
    obs = DepartmentFactory(parent=ed)
    hr = person([roles.HR])
    night = StaffFactory(department=obs, full_name="夜班护士", shift=shift("night"))
    StaffFactory(department=ed, full_name="白班护士")
    gone = StaffFactory(department=ed, full_name="离职护士", active=False)
    in_ed = list(staff_list(viewer=hr.user, department_id=ed.pk))
    assert night in in_ed and gone not in in_ed
    assert gone in staff_list(viewer=hr.user, department_id=ed.pk, active=None)
    assert list(staff_list(viewer=hr.user, q="夜班")) == [night]
