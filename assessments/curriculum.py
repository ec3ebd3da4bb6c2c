"""Exams as curriculum items: registered with the courses app's item kinds, so a curriculum can
require an exam and the enrolment engine assigns it like a course."""

from django.utils.translation import gettext_lazy as _

from courses.selectors.enrolment import ItemKind, item_kind_register

from .models import Exam

item_kind_register(
    ItemKind(
        key="exam",
        label=_("Exam"),
        model=Exam,
        choices=lambda: Exam.objects.filter(published=True).order_by("title"),
    )
)
