"""API token pages for the rollout lead (and superusers): the list with the creation form, and
revoking. Thin: the logic is in tokens.py. A new token's secret is shown once, on the page the
creation redirects to (a double submit creates one token and still shows its secret)."""

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.records.services import client_ip

from . import selectors, tokens
from .models import ApiToken


def lead_required(view):
    """Signed in as the rollout lead or a superuser, else 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.is_rollout_lead(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _posted(post) -> dict:
    return {
        "name": post.get("name", ""),
        "scopes": post.getlist("scopes"),
        "per_minute": post.get("per_minute", "").strip() or "60",
    }


@lead_required
def token_list(request):
    errors: list[str] = []
    posted = {"name": "", "scopes": [], "per_minute": "60"}
    if request.method == "POST":
        posted = _posted(request.POST)
        form_token = request.POST.get("form_token", "").strip()[:64]
        try:
            if not form_token:
                raise ValidationError(_("The form has expired: open it again and resubmit."))
            tokens.token_create(
                actor=request.user,
                name=posted["name"],
                scopes=posted["scopes"],
                per_minute=posted["per_minute"],
                ip=client_ip(request),
                form_token=form_token,
            )
        except tokens.AlreadySubmitted:
            pass  # the first submit created it: show it as the first would have
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        if not errors:
            return redirect(reverse("readiness:tokens") + f"?created={form_token}")
    created, secret, pending = tokens.token_secret_pop(
        viewer=request.user, form_token=request.GET.get("created", "")
    )
    return render(
        request,
        "readiness/tokens.html",
        {
            "tokens": list(tokens.tokens_list(viewer=request.user)),
            "scopes": ApiToken.Scope.choices,
            "scope_labels": dict(ApiToken.Scope.choices),
            "posted": posted,
            "errors": errors,
            "form_token": request.POST.get("form_token") or secrets.token_hex(16),
            "created": created,
            "secret": secret,
            "pending": pending,
            "per_minute_max": tokens.PER_MINUTE_MAX,
        },
        status=400 if errors else 200,
    )


@lead_required
@require_POST
def token_revoke(request, pk: int):
    token = tokens.token_get(viewer=request.user, pk=pk)
    tokens.token_revoke(actor=request.user, token=token, ip=client_ip(request))
    messages.success(
        request, _("The token %(name)s is revoked: it is refused from now on.") % {"name": token}
    )
    return redirect("readiness:tokens")
