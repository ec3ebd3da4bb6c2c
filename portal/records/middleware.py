"""Remembers the current request so audit receivers for third-party changes (group membership
edited in the Wagtail user admin) can name the person who made them."""

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
