"""Signals courses send after commit, so apps further along the flow (certification) react
without courses importing them.

- course_completed(staff_id=..., course_id=...): a person completed a course.
"""

from django.dispatch import Signal

course_completed = Signal()
