"""API tokens for tests, created through the service (so they are what the API sees), and the
header that carries one."""

from portal.readiness import tokens
from portal.readiness.models import ApiToken
from tests.factories import UserFactory

ALL_SCOPES = tuple(ApiToken.Scope.values)


def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def api_token(scopes=ALL_SCOPES, *, per_minute=60, name="HIS provisioning", actor=None):
    """(token, secret) with `scopes`, created by `actor` (default: a new superuser)."""
    return tokens.token_create(
        actor=actor or superuser(), name=name, scopes=list(scopes), per_minute=per_minute
    )


def bearer(secret: str) -> dict:
    """The test client's keyword for the Authorization header."""
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
