"""Wagtail admin wiring for this concept (registered by courses/wagtail_hooks.py)."""
