"""Single sign-on through allauth's providers (OpenID Connect, SAML), switched on by environment
variables.

Empty until configured: base.py appends SSO_APPS to INSTALLED_APPS."""

SSO_APPS: list[str] = []
