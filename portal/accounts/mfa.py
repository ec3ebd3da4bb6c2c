"""Two-factor authentication (allauth.mfa: an authenticator app's codes, with recovery codes).

Required for everyone who can see more than their own training: trainers, department managers,
HR, rollout leads, auditors, and anyone who may enter the Wagtail or Django admin. Such a person
without an authenticator app is sent to set one up before anything else, and may not remove it
again. Learners may set one up if they wish (My training → Two-factor authentication).

The secrets are stored encrypted (Fernet, keyed from MFA_ENCRYPTION_KEY or SECRET_KEY), so a
copy of the database alone does not yield anyone's codes."""

import base64
import hashlib
import time

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts import roles

PRIVILEGED_ROLES = (roles.TRAINER, roles.MANAGER, roles.HR, roles.ROLLOUT_LEAD, roles.AUDITOR)
# Pages a person who must set up two-factor authentication may still open: the set-up itself
# (with the recovery codes it shows next and the password check it may ask for) and sign-out.
SETUP_URL_NAMES = (
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "set_language",
)
SESSION_KEY = "portal.mfa.checked"
# A person who needs no second factor is checked again after this long, so a role given during
# a session takes effect within minutes without a query on every request.
RECHECK_SECONDS = 300


def mfa_required(user) -> bool:
    """Does this person's access need a second factor?"""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    if Group.objects.filter(user=user, name__in=PRIVILEGED_ROLES).exists():
        return True
    # Anyone else a hospital lets into the CMS (a group of its own making).
    return user.has_perm("wagtailadmin.access_admin")


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app with this secret shows now (demo and tests)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(at or time.time()) // 30))


def _fernet() -> Fernet:
    secret = getattr(settings, "MFA_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"readyline.mfa:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """People whose role requires two-factor authentication keep their authenticator app
        (they may replace it by generating new recovery codes, not remove it)."""
        if authenticator.type == Authenticator.Type.TOTP:
            return not mfa_required(authenticator.user)
        return True

    def build_totp_svg(self, url: str) -> str:
        """The QR code to scan, drawn by segno (the library the certificates use)."""
        import io

        import segno

        out = io.BytesIO()
        segno.make(url, error="m").save(out, kind="svg", scale=5, xmldecl=False)
        return out.getvalue().decode()


class MFAEnforcementMiddleware:
    """Sends a person whose role requires two-factor authentication to set it up, until they
    have. Runs after authentication; API calls (token-authenticated) are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            messages.warning(
                request,
                _(
                    "Your role needs two-factor authentication. Set up an authenticator app "
                    "to continue."
                ),
            )
            return redirect(f"{reverse('mfa_activate_totp')}")
        return self.get_response(request)

    def _must_set_up(self, request) -> bool:
        user = getattr(request, "user", None)
        if not settings.MFA_ENFORCED or user is None or not user.is_authenticated:
            return False
        if request.path.startswith((settings.STATIC_URL, "/api/")):
            return False
        match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
        if match and match.url_name in SETUP_URL_NAMES:
            return False
        checked = request.session.get(SESSION_KEY)
        if checked and checked.get("user") == user.pk:
            # Enrolled stays enrolled (a required authenticator cannot be removed).
            if checked.get("enrolled") or time.time() - checked.get("at", 0) < RECHECK_SECONDS:
                return False
        return not remember(request.session, user)


def remember(session, user) -> bool:
    """Check the person and note the result in their session; False if they must set up."""
    required = mfa_required(user)
    enrolled = required and has_totp(user)
    if required and not enrolled:
        session.pop(SESSION_KEY, None)
        return False
    session[SESSION_KEY] = {"user": user.pk, "enrolled": enrolled, "at": time.time()}
    return True


def remember_on_sign_in(sender, request, user, **kwargs):
    """Checked once at sign-in (the session is written then anyway), so requests only read it."""
    if request is not None and hasattr(request, "session"):
        remember(request.session, user)


def _resolve(path):
    from django.urls import Resolver404, resolve

    try:
        return resolve(path)
    except Resolver404:
        return None
