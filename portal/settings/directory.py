"""LDAP / Active Directory sign-in (django-auth-ldap), switched on by environment variables.

Off (LDAP_BACKENDS empty) unless LDAP_SERVER_URI is set: base.py appends LDAP_BACKENDS to
AUTHENTICATION_BACKENDS. The directory only checks passwords; who may sign in and with which
roles stays in the portal (portal/accounts/ldap.py matches the person to the roster)."""

import os

BACKEND = "portal.accounts.ldap.DirectoryBackend"
# Matches what people type on the sign-in page (an email address) against OpenLDAP's mail and
# Active Directory's userPrincipalName alike.
DEFAULT_USER_FILTER = "(|(mail=%(user)s)(userPrincipalName=%(user)s))"


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def directory_settings(environ) -> dict:
    """The LDAP settings the given environment asks for; only LDAP_BACKENDS (empty) when
    LDAP_SERVER_URI is not set. A function so that tests build their settings the same way."""
    uri = environ.get("LDAP_SERVER_URI", "").strip()
    if not uri:
        return {"LDAP_BACKENDS": []}
    # Imported only when switched on: the portal runs without python-ldap otherwise.
    import ldap
    from django_auth_ldap.config import LDAPSearch

    mail_attr = environ.get("LDAP_MAIL_ATTR", "").strip() or "mail"
    number_attr = environ.get("LDAP_EMPLOYEE_NUMBER_ATTR", "").strip() or "employeeNumber"
    # A dead or unreachable directory must not hang the sign-in page: connecting gives up after
    # LDAP_CONNECT_TIMEOUT seconds, each request (bind, search) after LDAP_TIMEOUT.
    connect_timeout = float(environ.get("LDAP_CONNECT_TIMEOUT", "") or 5)
    timeout = float(environ.get("LDAP_TIMEOUT", "") or 10)
    return {
        "LDAP_BACKENDS": [BACKEND],
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": environ.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": environ.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": _flag(environ.get("LDAP_START_TLS", "")),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            environ.get("LDAP_USER_SEARCH_BASE", ""),
            ldap.SCOPE_SUBTREE,
            environ.get("LDAP_USER_FILTER", "").strip() or DEFAULT_USER_FILTER,
        ),
        "AUTH_LDAP_USER_ATTRLIST": [mail_attr, number_attr],
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: connect_timeout,
            ldap.OPT_TIMEOUT: timeout,
            # Active Directory answers searches from the domain root with referrals that
            # python-ldap would follow anonymously; the portal never needs them.
            ldap.OPT_REFERRALS: 0,
        },
        # Names and email come from the roster, roles from the portal: nothing is copied from
        # the directory, no group is mirrored and no permission is read from it.
        "AUTH_LDAP_USER_ATTR_MAP": {},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_MIRROR_GROUPS": False,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "LDAP_MAIL_ATTR": mail_attr,
        "LDAP_EMPLOYEE_NUMBER_ATTR": number_attr,
    }


_settings = directory_settings(os.environ)
globals().update(_settings)
__all__ = list(_settings)
