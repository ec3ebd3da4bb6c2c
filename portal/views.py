from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.org.selectors import staff_for_user


@login_required
def my_training(request):
    """The learner's home. Assigned courses, exams and certificates arrive with later issues."""
    return render(
        request,
        "portal/my_training.html",
        {
            "member": staff_for_user(user=request.user),
        },
    )
