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


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="audit_user_roles")
def audit_user_roles(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    request, actor = _current_request_actor()
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    audit_record(
        action="role.change",
        actor=actor,
        obj=instance,
        after={verb: names},
        ip=client_ip(request),
    )


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit_group_perms")
def audit_group_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    if not isinstance(instance, Group):
        return
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(pk__in=pk_set or []).select_related("content_type")
    names = sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)
    request, actor = _current_request_actor()
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    audit_record(
        action="permission.change",
        actor=actor,
        obj=instance,
        after={"group": instance.name, "role": instance.name in ROLES, verb: names},
        ip=client_ip(request),
    )
