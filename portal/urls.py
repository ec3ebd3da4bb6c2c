from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from assessments.views.certificates import certificate_verify, certificate_verify_form
from courses.views.learning import my_training
from portal.accounts.views import admin_sign_in
from portal.readiness.api import api

urlpatterns = [
    path("training/", my_training, name="my_training"),
    # Public: what the QR code on a certificate opens (no login).
    path("verify/", certificate_verify_form, name="certificate_verify_form"),
    path("verify/<str:code>/", certificate_verify, name="certificate_verify"),
    path("learning/", include("courses.urls")),
    path("exams/", include("assessments.urls")),
    path("org/", include("portal.org.urls")),
    path("records/", include("portal.records.urls")),
    path("seed-users/", include("seedusers.urls")),
    path("readiness/", include("portal.readiness.urls")),
    path("api/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admins' own sign-in pages send people to the portal's (rate limits, audit, MFA).
    path(
        "django-admin/login/",
        admin_sign_in,
        {"admin": "django-admin"},
        name="django_admin_login",
    ),
    path("cms/login/", admin_sign_in, {"admin": "cms"}, name="cms_login"),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("help/search/", include("content.urls")),
]

# Files under MEDIA_ROOT are served by path only where they are public: Wagtail's images (the
# originals and their renditions). Everything else there is private and has a view that checks
# permission: documents (/documents/, collection privacy), SCORM content (the player), HR exports
# (records), SCORM zips (never served). So the development server does not serve MEDIA_ROOT as
# a whole, and the production web server must not either (README, "Deploying").
PUBLIC_MEDIA_FOLDERS = ("original_images", "images")


def media_urlpatterns() -> list:
    """The development server's media URLs (empty unless DEBUG): the public folders only."""
    from django.conf.urls.static import static

    patterns = []
    for folder in PUBLIC_MEDIA_FOLDERS:
        patterns += static(
            f"{settings.MEDIA_URL}{folder}/", document_root=Path(settings.MEDIA_ROOT) / folder
        )
    return patterns


urlpatterns += media_urlpatterns()

# Wagtail serves the CMS pages (home, later news and manuals) from everything else.
urlpatterns += [path("", include(wagtail_urls))]
