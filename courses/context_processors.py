from django.utils.functional import SimpleLazyObject

from .selectors.reminders import notifications_unread_count


def notifications(request):
    """`unread_notifications` for the navigation bar: one query, and only on a page that shows
    it (lazy), none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: notifications_unread_count(user=user))}
