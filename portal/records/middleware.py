"""Request-level audit helpers: CurrentRequestMiddleware remembers the current request so audit
receivers for third-party changes (group membership edited in the Wagtail user admin) can name
the person who made them; AccessDeniedAuditMiddleware records every refused request."""

from contextvars import ContextVar

_request: ContextVar = ContextVar("readyline_request", default=None)


def current_request():
    return _request.get()


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


class AccessDeniedAuditMiddleware:
    """Every refused request (403: a permission check, a role's missing right, a failed CSRF
    check) is an audit event "access.denied" naming who asked for what, so an auditor sees
    someone probing for other people's records. 401s and 404s are not: "not found" is also how
    the portal hides objects that exist, and logging every 404 would log every typo."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            _access_denied_record(request)
        return response


def _access_denied_record(request) -> None:
    from .services import audit_record, client_ip

    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    match = getattr(request, "resolver_match", None)
    audit_record(
        action="access.denied",
        actor=user if signed_in else None,
        object_type="url",
        object_id=(match.view_name if match else "")[:64],
        after={"method": request.method, "path": request.path[:500]},
        ip=client_ip(request),
        actor_label="" if signed_in else "anonymous",
    )
