"""Who comes back from the hospital's identity provider (OpenID Connect or SAML).

A person is matched to the roster: by the employee-number claim to StaffMember.employee_no
first, else by a verified email to an existing login (case-insensitive). The identity is then
connected to that login and they are signed in. Anyone else is refused on the sign-in page:
no login is created from an identity provider, and no role is ever taken from one (roles are
the portal's groups, granted in the portal)."""

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.org.models import StaffMember
from portal.records.services import audit_record, client_ip
from portal.settings.sso import DEFAULT_EMPLOYEE_NUMBER_ATTRIBUTES, DEFAULT_EMPLOYEE_NUMBER_CLAIM

logger = logging.getLogger(__name__)

REFUSALS = {
    "no_match": _(
        "Your hospital account does not match anyone on the staff roster. Ask HR to check the "
        "employee number and email address on your staff record, or sign in with your email "
        "and password."
    ),
    "inactive": _("Your account is not active. Ask HR or your department manager."),
    "no_login": _(
        "Your staff record has no login yet. Ask HR to add your email address, then try again."
    ),
    "other_user": _(
        "This hospital account belongs to someone else: sign out first, then sign in with it."
    ),
}


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def identity_claims(sociallogin) -> dict:
    """The provider's claims about the person, flattened to one value each: OIDC keeps the ID
    token and the userinfo answer (userinfo wins); SAML keeps lists of attribute values."""
    data = sociallogin.account.extra_data or {}
    if sociallogin.provider.id == "saml":
        return {key: values[0] for key, values in data.items() if values}
    if "userinfo" in data or "id_token" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dict(data)


def employee_number(sociallogin) -> str:
    """The person's employee number as the provider states it, or ""."""
    app_settings = sociallogin.provider.app.settings if sociallogin.provider.app else {}
    if sociallogin.provider.id == "saml":
        names = app_settings.get("employee_number_attributes") or DEFAULT_EMPLOYEE_NUMBER_ATTRIBUTES
    else:
        names = [app_settings.get("employee_number_claim") or DEFAULT_EMPLOYEE_NUMBER_CLAIM]
    claims = identity_claims(sociallogin)
    for name in names:
        value = claims.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def verified_emails(sociallogin) -> list[str]:
    return [address.email for address in sociallogin.email_addresses if address.verified]


def _staff_of(user):
    try:
        return user.staff
    except StaffMember.DoesNotExist:
        return None


def _check_may_enter(user, staff=None) -> None:
    staff = staff or _staff_of(user)
    if not user.is_active or (staff is not None and not staff.active):
        raise Refused("inactive")


def roster_match(*, number: str, emails: list[str]):
    """The login this person is on the roster with; raises Refused with the reason otherwise."""
    if number:
        staff = list(
            StaffMember.objects.filter(employee_no__iexact=number).select_related("user")[:2]
        )
        if len(staff) == 1:
            if staff[0].user is None:
                raise Refused("no_login" if staff[0].active else "inactive")
            _check_may_enter(staff[0].user, staff[0])
            return staff[0].user
    users = get_user_model().objects.select_related("staff")
    for email in emails:
        found = list(users.filter(email__iexact=email)[:2])
        if len(found) != 1:
            continue
        user = found[0]
        staff = _staff_of(user)
        # The provider named an employee number the roster gives someone else (or nobody):
        # the email alone does not outweigh that.
        if number and staff is not None and staff.employee_no.lower() != number.lower():
            raise Refused("no_match")
        _check_may_enter(user, staff)
        return user
    raise Refused("no_match")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        try:
            if sociallogin.is_existing:
                # Connected before: the connection decides, the roster still has a say.
                _check_may_enter(sociallogin.user)
                return
            user = roster_match(
                number=employee_number(sociallogin), emails=verified_emails(sociallogin)
            )
            process = sociallogin.state.get("process")
            if process == AuthProcess.CONNECT and user != request.user:
                raise Refused("other_user")
        except Refused as refusal:
            self._refuse(request, sociallogin, refusal.reason)
        sociallogin.connect(request, user)
        audit_record(
            action="auth.sso_connected",
            actor=user,
            obj=user,
            after=self._identity(sociallogin),
            ip=client_ip(request),
        )

    def is_open_for_signup(self, request, sociallogin):
        return False

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """The provider refused, or the person cancelled: back to the sign-in page, with a
        word, rather than allauth's bare error page."""
        logger.warning("SSO sign-in with %s failed: %s %r", provider.id, error, exception)
        messages.error(
            request,
            _(
                "Signing in with %(provider)s did not complete. Try again, or sign in with your "
                "email and password."
            )
            % {"provider": provider.name},
        )
        raise ImmediateHttpResponse(HttpResponseRedirect(reverse("account_login")))

    def _identity(self, sociallogin) -> dict:
        return {
            "provider": sociallogin.account.provider,
            "uid": sociallogin.account.uid,
            "employee_number": employee_number(sociallogin),
            "emails": [address.email for address in sociallogin.email_addresses],
        }

    def _refuse(self, request, sociallogin, reason: str):
        identity = self._identity(sociallogin)
        audit_record(
            action="auth.sso_refused",
            after={**identity, "reason": reason},
            ip=client_ip(request),
            actor_label=(identity["emails"] or [identity["uid"]])[0][:254],
        )
        messages.error(request, REFUSALS[reason])
        raise ImmediateHttpResponse(HttpResponseRedirect(reverse("account_login")))
