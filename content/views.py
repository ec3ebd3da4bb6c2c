from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from .selectors import MAX_QUERY_LENGTH, help_search


@login_required
def help_search_view(request):
    """Search manuals, video tutorials, courses and lessons (English or Chinese words)."""
    query = " ".join(request.GET.get("q", "").split())
    error = None
    results = []
    if len(query) > MAX_QUERY_LENGTH:
        error = _("The search is too long: use at most %(max)d characters.") % {
            "max": MAX_QUERY_LENGTH
        }
    elif query:
        results = help_search(viewer=request.user, query=query)
    return render(
        request,
        "content/help_search.html",
        {"query": query, "results": results, "error": error},
    )
