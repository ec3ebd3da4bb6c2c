"""API tokens for integrations (HIS account provisioning, a BI tool): creating, revoking and
authenticating them (services).

A secret reads `rl_<8 hex>_<43 url-safe characters>`; its first 11 characters are the token's
prefix (stored and shown, to tell tokens apart in lists and in the audit trail). Only the
SHA-256 of the whole secret is stored: the secret is handed back once, by `token_create`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.records.services import audit_record

from . import selectors
from .models import ApiToken

PREFIX_RE = re.compile(r"^rl_[0-9a-f]{8}_")
PREFIX_LENGTH = 11  # "rl_" and 8 hex digits
PER_MINUTE_MAX = 6000
# last_used_at is written at most this often per token (one UPDATE, not one per call).
TOUCH_EVERY = timedelta(seconds=60)
# A double submit of the creation form: the form's token is remembered this long, with the
# new secret until the page after the redirect shows it (then it is dropped).
FORM_SECONDS = 120


class AlreadySubmitted(Exception):
    """The creation form was sent again with the same form token: nothing new was created."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_prefix(secret: str) -> str:
    """The prefix of a secret that has our form (to name it in the audit trail), else ""."""
    secret = secret or ""
    return secret[:PREFIX_LENGTH] if PREFIX_RE.match(secret) else ""


def _clean(*, name: str, scopes, per_minute) -> tuple[str, list[str], int]:
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(_("Name the integration the token is for."))
    scopes = list(dict.fromkeys(scopes or []))
    unknown = [s for s in scopes if s not in ApiToken.Scope.values]
    if unknown:
        errors.append(_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(map(str, unknown))})
    elif not scopes:
        errors.append(_("Choose at least one scope."))
    try:
        per_minute = int(per_minute)
    except (TypeError, ValueError):
        errors.append(_("Give the requests per minute as a whole number."))
    else:
        if not 1 <= per_minute <= PER_MINUTE_MAX:
            errors.append(
                _("Requests per minute must be between 1 and %(max)s.") % {"max": PER_MINUTE_MAX}
            )
    if errors:
        raise ValidationError(errors)
    return name[:200], [s for s in ApiToken.Scope.values if s in scopes], per_minute


def _new_secret() -> tuple[str, str]:
    while True:
        prefix = f"rl_{secrets.token_hex(4)}"
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def _form_key(form_token: str) -> str:
    return f"readiness:api-token-form:{form_token}"


def token_create(
    *,
    actor,
    name: str,
    scopes,
    per_minute: int = 60,
    ip: str | None = None,
    form_token: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret (returned this once; only its hash is kept). Only the rollout
    lead (or a superuser) creates tokens. With the form's token, a second submit of the same
    form raises AlreadySubmitted instead of creating a second token."""
    if not selectors.is_rollout_lead(actor):
        raise PermissionDenied
    name, scopes, per_minute = _clean(name=name, scopes=scopes, per_minute=per_minute)
    form_token = (form_token or "").strip()[:64]
    # cache.add is atomic (SET NX on Redis): of two submits at once only one gets here.
    if form_token and not cache.add(_form_key(form_token), {"pending": True}, FORM_SECONDS):
        raise AlreadySubmitted
    try:
        prefix, secret = _new_secret()
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                prefix=prefix,
                key_hash=secret_hash(secret),
                scopes=scopes,
                per_minute=per_minute,
                created_by=actor,
            )
            audit_record(
                action="readiness.api_token_create",
                actor=actor,
                obj=token,
                after={
                    "name": name,
                    "prefix": prefix,
                    "scopes": scopes,
                    "per_minute": per_minute,
                },
                ip=ip,
            )
    except BaseException:
        if form_token:
            cache.delete(_form_key(form_token))
        raise
    if form_token:
        cache.set(
            _form_key(form_token),
            {"token": token.pk, "secret": secret, "by": actor.pk},
            FORM_SECONDS,
        )
    return token, secret


def token_secret_pop(*, viewer, form_token: str) -> tuple[ApiToken | None, str | None, bool]:
    """(token, secret, pending) created by `viewer` with this form token, for showing the
    secret once after the redirect: read and forgotten. `pending`: the first submit is still
    creating it."""
    form_token = (form_token or "").strip()[:64]
    if not form_token or not selectors.is_rollout_lead(viewer):
        return None, None, False
    entry = cache.get(_form_key(form_token))
    if not entry:
        return None, None, False
    if entry.get("pending"):
        return None, None, True
    if entry.get("by") != viewer.pk or not entry.get("secret"):
        return None, None, False
    # Keep the key (so a late duplicate still does not create a token), drop the secret.
    cache.set(_form_key(form_token), {"token": entry["token"], "by": viewer.pk}, FORM_SECONDS)
    token = ApiToken.objects.filter(pk=entry["token"]).first()
    return token, (entry["secret"] if token else None), False


def token_revoke(*, actor, token: ApiToken, ip: str | None = None) -> ApiToken:
    """Revoke the token now (a second time changes nothing). Rollout lead or superuser only."""
    if not selectors.is_rollout_lead(actor):
        raise PermissionDenied
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        now = timezone.now()
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now
        )
        token.refresh_from_db(fields=["revoked_at"])
        if updated:
            audit_record(
                action="readiness.api_token_revoke",
                actor=actor,
                obj=token,
                after={"name": token.name, "prefix": token.prefix},
                ip=ip,
            )
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The live (not revoked) token with this secret, else None. One query."""
    secret = (secret or "").strip()
    if not PREFIX_RE.match(secret):
        return None
    return ApiToken.objects.filter(key_hash=secret_hash(secret), revoked_at__isnull=True).first()


def token_touch(token: ApiToken, *, now=None) -> None:
    """Note that the token was used: at most one UPDATE per token and minute (none while the
    loaded value is recent), so every call does not write the row."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now


def tokens_list(*, viewer):
    """Every token, newest first, with its creator (rollout lead or superuser only)."""
    if not selectors.is_rollout_lead(viewer):
        raise PermissionDenied
    return ApiToken.objects.select_related("created_by").order_by("-created_at", "-pk")


def token_get(*, viewer, pk: int) -> ApiToken:
    return get_object_or_404(tokens_list(viewer=viewer), pk=pk)
