"""Sign-in with the hospital directory (LDAP / Active Directory): the directory checks the
password, the roster decides who the person is.

The rule, in order:

1. The directory's employee number (LDAP_EMPLOYEE_NUMBER_ATTR) names a staff member on the
   roster: the person signs in as that staff member's login, whatever email the directory holds
   (the roster is the truth: mailboxes get renamed and reused, employee numbers do not). A
   staff member without a login gets one with the directory's email, like a roster import
   would make it (no usable password, the learner role).
2. Otherwise the directory's email names an existing login (case-insensitive), unless that
   login belongs to a staff member with another employee number (a reused mailbox).
3. Otherwise the person is refused and nothing is created: hospitals only admit rostered staff.

Inactive staff members and inactive logins are refused. Nothing is copied from the directory
onto the login and no role or permission comes from it. A local password a login already has
is left as it is (ModelBackend still accepts it)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend, _LDAPUser

from portal.accounts.roles import LEARNER
from portal.org.models import StaffMember
from portal.records.services import audit_record

logger = logging.getLogger(__name__)

Refused = _LDAPUser.AuthenticationFailed


def _first(attrs, name: str) -> str:
    """The first value of an attribute; attribute names are case-insensitive in LDAP."""
    for key, values in (attrs or {}).items():
        if key.lower() == name.lower() and values:
            return str(values[0]).strip()
    return ""


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap, with the directory person matched to the roster instead of creating a
    login for everyone the directory knows. allauth's sign-in form passes the typed address as
    `email`, which LDAPBackend reads as the username (USERNAME_FIELD) and puts in the search
    filter's %(user)s."""

    def get_or_build_user(self, username, ldap_user):
        number = _first(ldap_user.attrs, settings.LDAP_EMPLOYEE_NUMBER_ATTR)
        email = (_first(ldap_user.attrs, settings.LDAP_MAIL_ATTR) or username).lower()
        staff = (
            StaffMember.objects.select_related("user").filter(employee_no=number).first()
            if number
            else None
        )
        if staff is not None and not staff.active:
            raise Refused(f"staff member {staff.employee_no} is inactive")
        if staff is not None:
            user = staff.user or _login_for(staff, email)
        else:
            user = _login_by_email(email, number)
        if not user.is_active:
            raise Refused(f"login {user.pk} is inactive")
        # Never "built": django-auth-ldap would create the login itself from what the
        # directory says.
        return user, False

    def get_group_permissions(self, user, obj=None):
        # Roles and permissions live in the portal only.
        return set()


def _login_by_email(email: str, number: str):
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        raise Refused(f"{email} (employee number {number or '-'}) is not on the roster")
    staff = StaffMember.objects.filter(user=user).first()
    if staff is not None and not staff.active:
        raise Refused(f"staff member {staff.employee_no} is inactive")
    if staff is not None and number and staff.employee_no != number:
        raise Refused(f"{email} belongs to {staff.employee_no}, the directory says {number}")
    return user


@transaction.atomic
def _login_for(staff: StaffMember, email: str):
    """Give a rostered staff member without a login one with the directory's email (or link an
    existing login with that email that belongs to no one else)."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=staff.full_name[:150])
        user.groups.add(Group.objects.get(name=LEARNER))
    elif StaffMember.objects.filter(user=user).exists():
        raise Refused(f"{email} is the login of another staff member")
    staff.user = user
    staff.save(update_fields=["user", "updated_at"])
    audit_record(
        action="staff.update",
        object_type="org.staffmember",
        object_id=staff.pk,
        before={"email": ""},
        after={"email": user.email},
        actor_label="system via directory sign-in",
    )
    logger.info("Linked staff member %s to login %s at directory sign-in", staff.pk, user.pk)
    return user
