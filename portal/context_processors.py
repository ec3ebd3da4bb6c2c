from .navigation import navigation_for, role_labels


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_items": navigation_for(user), "nav_roles": role_labels(user)}
