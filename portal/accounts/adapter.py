from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Staff come from the roster and are invited; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Setting up a first authenticator app within minutes of signing in (where a
        privileged person is sent straight after the password), and seeing the recovery codes
        it gives, needs no second password prompt; removing or replacing one still does."""
        if app == "allauth.mfa" and _setting_up_right_after_sign_in():
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _setting_up_right_after_sign_in() -> bool:
    """Signed in (with a password) minutes ago, and any authenticator app was added since."""
    import time

    from allauth.account import app_settings
    from allauth.account.internal.flows.login import get_authentication_records
    from allauth.core import context
    from allauth.mfa.models import Authenticator

    request = context.request
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    if not records or time.time() - records[-1]["at"] >= app_settings.REAUTHENTICATION_TIMEOUT:
        return False
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return totp is None or totp.created_at.timestamp() >= records[-1]["at"]
