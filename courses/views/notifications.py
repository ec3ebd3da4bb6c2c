"""A person's in-portal notifications (reminders and digests): newest first, read once seen."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.pagination import paginate

from ..selectors import reminders as selectors
from ..services import reminders as services


@login_required
def notification_list(request):
    context = paginate(request, selectors.notifications_for(user=request.user))
    shown = list(context["page"].object_list)
    context["page"].object_list = shown
    # Shown is seen: mark this page's notices read (they keep their "new" mark on this view).
    unread = {n.pk for n in shown if n.read_at is None}
    if unread:
        services.notifications_mark_read(user=request.user, ids=unread)
    return render(request, "courses/notifications/list.html", {**context, "unread": unread})


@require_POST
@login_required
def notifications_read(request):
    if services.notifications_mark_read(user=request.user):
        messages.success(request, _("All notifications are marked as read."))
    return redirect("courses:notifications")
