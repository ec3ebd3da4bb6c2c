"""Rollout waves and readiness criteria in the Wagtail admin (see admin.py)."""

from wagtail import hooks

from .admin import ReadinessGroup


@hooks.register("register_admin_viewset")
def register_readiness():
    return ReadinessGroup()
