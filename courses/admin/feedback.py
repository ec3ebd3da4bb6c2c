"""Wagtail admin wiring for the feedback loop (registered by courses/wagtail_hooks.py): a panel
on the trainers' dashboard with the open problem reports and the lowest-rated courses."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from ..models import ProblemReport
from ..selectors import feedback as selectors
from ..services.feedback import may_triage

LATEST_OPEN = 5
LOWEST_RATED = 5


class FeedbackPanel(Component):
    name = "courses_feedback"
    template_name = "courses/feedback/dashboard_panel.html"
    order = 90  # above Wagtail's own panels: these are things to act on

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        viewer = request.user
        open_reports = selectors.problem_reports_triage(
            viewer=viewer, status=ProblemReport.Status.OPEN
        )
        latest = selectors.reports_with_courses(open_reports[:LATEST_OPEN])
        return {
            "request": request,
            "heading": _("Learner feedback"),
            "open_count": selectors.problem_report_counts(viewer=viewer)["open"],
            "latest_open": latest,
            "lowest_rated": selectors.courses_lowest_rated(viewer=viewer, limit=LOWEST_RATED),
        }


@hooks.register("construct_homepage_panels")
def feedback_panel(request, panels):
    if may_triage(request.user):
        panels.append(FeedbackPanel())
