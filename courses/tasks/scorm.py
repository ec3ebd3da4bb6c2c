"""Celery tasks: see courses/services."""
