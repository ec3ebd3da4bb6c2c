"""API tokens for integrations (included into the "readiness" namespace by urls.py)."""

urlpatterns = []
