"""Single sign-on through allauth's providers (OpenID Connect, SAML), switched on by environment
variables.

The apps are always installed (SSO_APPS, appended to INSTALLED_APPS by base.py) so their tables
exist whatever the environment and migrations never depend on it. Only the providers are
configured here: OIDC when OIDC_SERVER_URL is set, SAML when SAML_IDP_ENTITY_ID is set. With
neither, allauth lists no provider: no button on the sign-in page and no change in behaviour.
Who a person coming back from the identity provider is, and whether they may enter, is decided
in portal/accounts/sso.py (matched to the roster; nobody is created, no role is granted)."""

import os

SSO_APPS = [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]
# Read by portal/accounts/sso.py when an app's settings do not name their own.
DEFAULT_EMPLOYEE_NUMBER_CLAIM = "employee_number"
# employeeNumber (inetOrgPerson) as SAML IdPs release it: by OID, or by its plain name.
DEFAULT_EMPLOYEE_NUMBER_ATTRIBUTES = ["urn:oid:2.16.840.1.113730.3.1.3", "employeeNumber"]
SAML_ATTRIBUTE_MAPPING = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "mail",
        "email",
    ],
    "email_verified": ["email_verified"],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
}


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _words(value: str | None) -> list[str]:
    return [word for word in (value or "").replace(",", " ").split() if word]


def oidc_app(environ) -> dict | None:
    """The OpenID Connect app the environment asks for, or None without OIDC_SERVER_URL."""
    server_url = environ.get("OIDC_SERVER_URL", "").strip()
    if not server_url:
        return None
    app_settings = {
        "server_url": server_url,
        "employee_number_claim": environ.get("OIDC_EMPLOYEE_NUMBER_CLAIM", "").strip()
        or DEFAULT_EMPLOYEE_NUMBER_CLAIM,
        # Hospital IdPs often omit email_verified; set true when their emails are managed by IT.
        "verified_email": _flag(environ.get("OIDC_EMAIL_VERIFIED")),
        "scope": _words(environ.get("OIDC_SCOPES")) or ["openid", "profile", "email"],
        "oauth_pkce_enabled": _flag(environ.get("OIDC_PKCE"), default=True),
    }
    if method := environ.get("OIDC_TOKEN_AUTH_METHOD", "").strip():
        app_settings["token_auth_method"] = method
    return {
        # The id is the URL slug: /accounts/oidc/<id>/login/callback/ is the redirect URI.
        "provider_id": environ.get("OIDC_PROVIDER_ID", "").strip() or "hospital",
        "name": environ.get("OIDC_NAME", "").strip() or "Hospital ID",
        "client_id": environ.get("OIDC_CLIENT_ID", "").strip(),
        "secret": environ.get("OIDC_CLIENT_SECRET", ""),
        "settings": app_settings,
    }


def saml_app(environ) -> dict | None:
    """The SAML app the environment asks for, or None without SAML_IDP_ENTITY_ID."""
    entity_id = environ.get("SAML_IDP_ENTITY_ID", "").strip()
    if not entity_id:
        return None
    idp = {"entity_id": entity_id}
    if metadata_url := environ.get("SAML_IDP_METADATA_URL", "").strip():
        idp["metadata_url"] = metadata_url
    else:
        idp["sso_url"] = environ.get("SAML_IDP_SSO_URL", "").strip()
        idp["x509cert"] = environ.get("SAML_IDP_X509CERT", "").strip()
        if slo_url := environ.get("SAML_IDP_SLO_URL", "").strip():
            idp["slo_url"] = slo_url
    app_settings = {
        "idp": idp,
        "attribute_mapping": SAML_ATTRIBUTE_MAPPING,
        "employee_number_attributes": _words(environ.get("SAML_EMPLOYEE_NUMBER_ATTRIBUTE"))
        or DEFAULT_EMPLOYEE_NUMBER_ATTRIBUTES,
        "verified_email": _flag(environ.get("SAML_EMAIL_VERIFIED")),
        # An unsigned assertion is refused (python3-saml requires a signed response or
        # assertion in any case; this asks for the assertion itself).
        "advanced": {
            "want_assertion_signed": _flag(environ.get("SAML_WANT_ASSERTION_SIGNED"), True),
            "strict": True,
        },
    }
    if sp_entity_id := environ.get("SAML_SP_ENTITY_ID", "").strip():
        app_settings["sp"] = {"entity_id": sp_entity_id}
    return {
        # The slug in /accounts/saml/<client_id>/acs/ and /metadata/ (what the IdP is given).
        "client_id": environ.get("SAML_ORGANIZATION", "").strip() or "hospital",
        "name": environ.get("SAML_NAME", "").strip() or "Hospital SSO",
        "settings": app_settings,
    }


def sso_settings(environ) -> dict:
    """The allauth social-account settings for the given environment. A function so that tests
    build their settings the same way."""
    providers: dict = {}
    if app := oidc_app(environ):
        providers["openid_connect"] = {"APPS": [app]}
    if app := saml_app(environ):
        providers["saml"] = {"APPS": [app]}
    return {
        "SSO_APPS": SSO_APPS,
        "SOCIALACCOUNT_PROVIDERS": providers,
        "SOCIALACCOUNT_ADAPTER": "portal.accounts.sso.SocialAccountAdapter",
        # Nobody is created from an identity provider: a person is matched to the roster or
        # refused (portal/accounts/sso.py), never sent to a sign-up form.
        "SOCIALACCOUNT_AUTO_SIGNUP": False,
        # allauth's own email matching would wipe the person's password; the adapter matches.
        "SOCIALACCOUNT_EMAIL_AUTHENTICATION": False,
        # A form that posts to the provider, so a link in a mail cannot start a sign-in.
        "SOCIALACCOUNT_LOGIN_ON_GET": False,
        "SOCIALACCOUNT_STORE_TOKENS": False,
        "SOCIALACCOUNT_REQUESTS_TIMEOUT": int(environ.get("SSO_REQUESTS_TIMEOUT", "") or 10),
    }


_settings = sso_settings(os.environ)
globals().update(_settings)
__all__ = list(_settings)
