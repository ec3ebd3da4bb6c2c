"""The "no training, no access" list and its exceptions (included into the "readiness"
namespace by urls.py)."""

urlpatterns = []
