from django.core.paginator import Paginator

PER_PAGE = 50


def paginate(request, queryset, per_page: int = PER_PAGE) -> dict:
    """Template context for a filtered list: the page, and the query string of the filters so
    page links keep them (rendered by portal/pagination.html)."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(queryset, per_page).get_page(request.GET.get("page")),
        "query": query.urlencode(),
    }
