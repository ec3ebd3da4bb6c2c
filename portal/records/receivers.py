"""Audit events for changes made by code we do not own (django.contrib.auth, allauth, the
Wagtail user admin). Our own mutations call records.services directly."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from portal.accounts.roles import ROLES

from .services import audit_record, client_ip


def _current_request_actor():
    from .middleware import current_request

    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    return request, user


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_record(action="auth.login", actor=user, obj=user, ip=client_ip(request))


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, obj=user, ip=client_ip(request))


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    attempted = credentials.get("email") or credentials.get("username") or ""
    audit_record(
        action="auth.login_failed",
        after={"attempted": str(attempted)[:254]},
        ip=client_ip(request),
        actor_label=str(attempted)[:254],
    )


_VERBS = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}


def _m2m_change_is_real(action, pk_set) -> bool:
    # Django also signals an add() or remove() that changed nothing (pk_set empty).
    return action == "post_clear" or (action in _VERBS and bool(pk_set))


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="audit_user_roles")
def audit_user_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's roles changed, from either side (user.groups or group.user_set)."""
    if not _m2m_change_is_real(action, pk_set):
        return
    request, actor = _current_request_actor()
    if reverse:  # instance is the group, pk_set the users
        users = get_user_model().objects.filter(pk__in=pk_set or [])
        changes = [(user, [instance.name]) for user in users]
    else:
        names = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
        changes = [(instance, names)]
    for user, names in changes:
        audit_record(
            action="role.change",
            actor=actor,
            obj=user,
            after={_VERBS[action]: names},
            ip=client_ip(request),
        )


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_perms")
def audit_group_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    """A role's permissions changed, from either side (group.permissions or
    permission.group_set)."""
    if not _m2m_change_is_real(action, pk_set):
        return
    from django.contrib.auth.models import Permission

    def label(permission):
        return f"{permission.content_type.app_label}.{permission.codename}"

    if reverse:  # instance is the permission, pk_set the groups
        changes = [(group, [label(instance)]) for group in Group.objects.filter(pk__in=pk_set)]
    else:
        perms = Permission.objects.filter(pk__in=pk_set or []).select_related("content_type")
        changes = [(instance, sorted(label(p) for p in perms))]
    request, actor = _current_request_actor()
    for group, names in changes:
        audit_record(
            action="permission.change",
            actor=actor,
            obj=group,
            after={"group": group.name, "role": group.name in ROLES, _VERBS[action]: names},
            ip=client_ip(request),
        )
