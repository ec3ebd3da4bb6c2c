"""Go / no-go decisions and post-go-live evaluations (included into the "readiness" namespace
by urls.py)."""

from django.urls import path

from . import decision_views as views

urlpatterns = [
    path("waves/<int:pk>/decisions/", views.decision_list, name="decisions"),
    path("waves/<int:pk>/decisions/new/", views.decision_new, name="decision_new"),
    path("waves/<int:pk>/evaluation/", views.evaluation_page, name="evaluations"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/evidence.pdf", views.decision_pdf, name="decision_pdf"),
    path("decisions/<int:pk>/evidence.xlsx", views.decision_xlsx, name="decision_xlsx"),
    path("decisions/<int:pk>/sign/", views.decision_signoff, name="decision_signoff"),
    path("conditions/<int:pk>/done/", views.condition_mark_done, name="condition_done"),
]
