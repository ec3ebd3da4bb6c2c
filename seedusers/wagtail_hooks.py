from .admin import programmes  # noqa: F401
