"""Settings for the exam load benchmark (`python -m bench.exam_load`): the production settings,
served over plain HTTP on loopback, plus the baseline view's URL.

The bench process sets the environment before Django reads this module: DATABASE_URL (its own
PostgreSQL database), SECRET_KEY (one random key shared by the bench process, which writes the
sessions, and the gunicorn workers, which read them), READYLINE_VAR_DIR=var/bench, no REDIS_URL
and a file-system Celery broker (tasks are queued, never run: nothing is mailed).
"""

import os

# Production refuses to start without these; the bench process normally sets both already.
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECRET_KEY", "bench-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2)

from portal.settings.production import *  # noqa: E402, F403
from portal.settings.production import DATABASES  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Loopback HTTP, no TLS proxy in front: no redirect to https, no HSTS, cookies usable over http.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Sessions stay where production keeps them (Django's default database backend): one indexed
# SELECT on django_session per request, paid by the exam views and the baseline alike.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Persistent connections (a deployment sets them with DATABASE_URL=...?conn_max_age=60): opening
# a PostgreSQL connection forks a server process, which would dominate a 10 ms request.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Static files are not served by the bench; the manifest storage would need collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The product's URLs plus /bench/upsert/ (the baseline); only this settings module routes to it.
ROOT_URLCONF = "bench.baseline"

# Warnings and errors only: an INFO line per request would cost the workers time.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
