from .classroom import Booking, ClassroomSession
from .curricula import Assignment, Curriculum, CurriculumItem
from .feedback import CourseRating, ProblemReport
from .pages import CourseIndexPage, CoursePage, LessonPage
from .progress import CourseProgress, LessonProgress
from .reminders import Notification, ReminderSent
from .scorm import ScormPackage, ScormRecord

__all__ = [
    "Assignment",
    "Booking",
    "ClassroomSession",
    "CourseIndexPage",
    "CoursePage",
    "CourseProgress",
    "CourseRating",
    "Curriculum",
    "CurriculumItem",
    "LessonPage",
    "LessonProgress",
    "Notification",
    "ProblemReport",
    "ReminderSent",
    "ScormPackage",
    "ScormRecord",
]
