from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.org.selectors import staff_for_user


@login_required
def my_training(request):
    """The learner's home: assigned items, due dates, status, the next thing to do."""
    return render(
        request,
        "portal/my_training.html",
        {
            "member": staff_for_user(user=request.user),
        },
    )
