"""The Wagtail and Django admins sign in through the portal's own page, so its rate limits,
audit and (later) MFA cover them too: their login URLs land here."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

ADMINS = {
    # login URL name: (home, who may enter)
    "cms": ("/cms/", lambda user: user.has_perm("wagtailadmin.access_admin")),
    "django-admin": ("/django-admin/", lambda user: user.is_active and user.is_staff),
}


def admin_sign_in(request, admin: str):
    """Signed out: to the portal's sign-in page, coming back to the admin afterwards. Signed in
    with access: into the admin. Signed in without (the admin sent them here because their
    role has none): refused, rather than sent round in circles."""
    home, may_enter = ADMINS[admin]
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if request.user.is_authenticated:
        if may_enter(request.user):
            return redirect(target or home)
        raise PermissionDenied
    url = reverse("account_login")
    return redirect(f"{url}?{urlencode({'next': target or home})}")
