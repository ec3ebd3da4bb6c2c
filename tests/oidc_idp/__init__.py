"""A small, real OpenID Connect provider for tests: allauth's identity-provider mode in a Django
project of its own (its own temporary SQLite database), run as a separate process on a free
loopback port. tests/oidc_idp/harness.py starts it; the portal signs people in through it."""
