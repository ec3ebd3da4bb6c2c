"""Settings shared by every environment.

Integrations are switched on by environment variables (DATABASE_URL, CELERY_BROKER_URL, REDIS_URL,
EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS). With none set the portal runs on SQLite, prints mail to the
console and runs background jobs through a Celery worker on a file-system broker (no server needed).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PORTAL_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PORTAL_DIR.parent
# Everything the running portal writes (SQLite file, private uploads, embedded broker, cache).
VAR_DIR = Path(environ.Env().str("READYLINE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal",
    "portal.accounts",
    "portal.org",
    "portal.records",
    "content",
    "courses",
    "assessments",
    "seedusers",
    "portal.readiness",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "ninja",  # the API docs page with its bundled Swagger UI (no CDN, no inline script)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.records.middleware.CurrentRequestMiddleware",
    "portal.records.middleware.AccessDeniedAuditMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.mfa.MFAEnforcementMiddleware",
    "portal.csp.PortalCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PORTAL_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
                "courses.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'readyline.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Hospital directories: LDAP / Active Directory (directory.py) and OIDC / SAML (sso.py), each
# switched on by its environment variables.
from .directory import *  # noqa: E402,F403
from .sso import *  # noqa: E402,F403

AUTHENTICATION_BACKENDS += LDAP_BACKENDS  # noqa: F405
INSTALLED_APPS += SSO_APPS  # noqa: F405

# Caches: Redis when REDIS_URL is set (shared by web and workers, used by allauth rate limits and
# job progress); otherwise a file cache, which the web server and the embedded worker share.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Internationalisation: every screen in English and Simplified Chinese.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PORTAL_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Leavers are anonymised this many years after they leave (manage.py anonymise_leavers):
# set it to the hospital's retention policy.
LEAVER_RETENTION_YEARS = env.int("LEAVER_RETENTION_YEARS", default=6)
# manage.py backup writes here unless told --to (portal/records/backup.py).
BACKUP_ROOT = Path(env.str("BACKUP_ROOT", default=str(VAR_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content Security Policy (portal/csp.py): scripts and styles from this origin only; no inline
# script outside the admins. Inline style attributes stay allowed (the templates use a few).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# Uploads: roster files are at most 10 MB; leave headroom for the multipart envelope.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Mail: EMAIL_URL (smtp://user:pass@host:587/?tls=True), else the console.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Readyline <readyline@localhost>")
# Absolute links in mails (invitations) point here.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# An invitation link is a password-reset token: give people a working week to use it.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

# Accounts (django-allauth): sign in by email and password; no self sign-up, staff come from the
# roster and are invited.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "my_training"
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# A session ends when the browser closes unless "Remember me" was ticked, and after a shift at
# the latest (ward PCs are shared): SESSION_HOURS, 12 by default.
SESSION_COOKIE_AGE = env.int("SESSION_HOURS", default=12) * 3600
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_PREVENT_ENUMERATION = True
# Everyone sees the sessions signed in as them (/accounts/sessions/: when, from which address
# and browser) and can end the others. A password change ends every other session (Django's
# session hash); the session it was changed in stays. Activity is not tracked: that would cost
# a read and a write on every request (500 examinees saving answers at once).
USERSESSIONS_TRACK_ACTIVITY = False
# Sign-in rate limits (allauth, counted in the cache: Redis in production, shared by every web
# worker). Five failed attempts at one account lock it for five minutes, whoever tries; a ward's
# PCs often share one address, so the per-address limits are generous. Behind a reverse proxy,
# set TRUSTED_PROXY_COUNT (or the header it sets) so the limits see the person's address, not
# the proxy's.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="60/m/ip,5/300s/key"),
    "login": "300/m/ip",
    "reset_password": "60/m/ip,5/m/key",
}
# Two-factor authentication (portal/accounts/mfa.py): an authenticator app plus recovery codes,
# required for every role that sees more than its own training and for admin access.
# MFA_ENFORCED=false only for a first set-up without any privileged user yet.
MFA_ENFORCED = env.bool("MFA_ENFORCED", default=True)
MFA_ADAPTER = "portal.accounts.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Readyline"
# A code typed just as the app changes it still works (RFC 6238 allows one step of delay); a
# code is accepted only once either way.
MFA_TOTP_TOLERANCE = 1
# Accounts come from the roster, not from sign-up, so an unverified address cannot be someone
# else's claim on an account (the risk allauth's default guards against).
MFA_ALLOW_UNVERIFIED_EMAIL = True
# The authenticator secrets are encrypted with this key (falls back to SECRET_KEY). Set it
# separately in production, so that rotating SECRET_KEY does not lock everyone out.
MFA_ENCRYPTION_KEY = env.str("MFA_ENCRYPTION_KEY", default="")
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
# The Wagtail and Django admins sign in through the portal's own page (its rate limits, its
# audit): their login URLs lead there (portal/accounts/views.py).

# Celery. The default broker is a folder on disk (kombu's file-system transport): no server, yet
# `make run` still runs a real worker with beat beside the web server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    for _folder in (_queue, VAR_DIR / "celery" / "processed", VAR_DIR / "celery" / "control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A hard ceiling for any task; tasks set tighter limits of their own.
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# Periodic jobs; later issues add reminders, sweepers and snapshots here.
CELERY_BEAT_SCHEDULE = {
    "audit-chain-check": {
        "task": "portal.records.tasks.audit_chain_check_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "course-reminders": {
        "task": "courses.tasks.reminders.reminders_send_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "scorm-storage-sweep": {
        "task": "courses.tasks.scorm.scorm_storage_sweep_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Abandoned exam attempts are finished at their deadline (also done lazily on next touch).
    "exam-attempts-sweep": {
        "task": "assessments.tasks.attempts_sweep_task",
        "schedule": 60.0,
    },
    # Overdue counts behind readiness: the people one of whose assignments fell due yesterday.
    "assignment-counts-daily": {
        "task": "courses.tasks.enrolment.assignment_counts_daily_task",
        "schedule": crontab(hour=0, minute=10),
    },
    # Certificates reaching their recertification window or the end of their grace period.
    "certification-daily": {
        "task": "assessments.tasks.certification_daily_task",
        "schedule": crontab(hour=1, minute=15),
    },
    # Readiness: today's snapshot of every open wave (trends are drawn from snapshots).
    "readiness-snapshot": {
        "task": "portal.readiness.tasks.readiness_snapshot_task",
        "schedule": crontab(hour=2, minute=0),
    },
    # Seed users whose training window opened today move to "in training".
    "seed-training-daily": {
        "task": "seedusers.tasks.seed_training_refresh_task",
        "schedule": crontab(hour=1, minute=45),
    },
    "roster-import-sweep": {
        "task": "portal.org.tasks.roster_import_sweep_task",
        "schedule": crontab(hour=3, minute=0),
    },
}

# The hospital as certificates and transcripts name it; the logo is a path under static/.
HOSPITAL_NAME = env.str("HOSPITAL_NAME", default="Riverside General Hospital")
HOSPITAL_NAME_ZH = env.str("HOSPITAL_NAME_ZH", default="江畔综合医院")
HOSPITAL_LOGO = env.str("HOSPITAL_LOGO", default="portal/img/hospital-logo.svg")
# Where the QR code on a certificate points (the public verification page); requests fill it
# in when empty, but a certificate rendered by a worker needs it set.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Wagtail
WAGTAIL_SITE_NAME = "Readyline"
# No Gravatar: hospital networks are offline, and staff emails must not leave for a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = PORTAL_BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Lesson videos are documents played with HTML5 <video>.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "odt", "pdf", "pptx", "txt", "webm", "xlsx", "zip"]
# Private pages and documents send visitors to the portal's own sign-in.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents are checked by content, not only by extension (portal/document_forms.py).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "portal.document_forms.DocumentForm"

# Roster import limits (issue: more than 50,000 rows or 10 MB are refused).
ROSTER_MAX_ROWS = 50_000
ROSTER_MAX_BYTES = 10 * 1024 * 1024
# An XLSX is a zip: refuse one that would inflate beyond this (zip bombs).
ROSTER_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Wagtail's immediate task backend logs every reference-index update.
    "loggers": {"django_tasks": {"level": "WARNING"}, "wagtail": {"level": "WARNING"}},
}
