from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings


class DirectoryAdapter(DefaultOIDCAdapter):
    """Releases the person's employee number as the `employee_number` claim, in the ID token
    and the userinfo answer, as hospital identity providers do."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        number = settings.IDP_EMPLOYEE_NUMBERS.get(user.get_username())
        if number:
            claims["employee_number"] = number
        return claims
