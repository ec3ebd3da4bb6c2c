"""The portal's URLs as the development server has them (DEBUG): tests/portal/test_media.py
imports this afresh with DEBUG on, so media_urlpatterns() sees it."""

from portal.urls import media_urlpatterns
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = media_urlpatterns() + portal_urlpatterns
