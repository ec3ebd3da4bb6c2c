from .attempts import Attempt, AttemptQuestion
from .bank import (
    Difficulty,
    HisModule,
    QType,
    Question,
    QuestionAnswer,
    QuestionCategory,
    QuestionVersion,
    TextFormat,
)
from .exams import Exam, ExamSlot

__all__ = [
    "Attempt",
    "AttemptQuestion",
    "Difficulty",
    "Exam",
    "ExamSlot",
    "HisModule",
    "QType",
    "Question",
    "QuestionAnswer",
    "QuestionCategory",
    "QuestionVersion",
    "TextFormat",
]
