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
from .certification import (
    Certificate,
    CertificationStatus,
    CertificationTrack,
    ProficiencyRecord,
)
from .exams import Exam, ExamSlot, PracticalExam
from .practical import (
    ExaminerAssignment,
    GlobalRating,
    RubricItem,
    RubricScore,
    Scenario,
    ScenarioVersion,
    SimulationAction,
)

__all__ = [
    "Certificate",
    "CertificationStatus",
    "CertificationTrack",
    "ProficiencyRecord",
    "Attempt",
    "AttemptQuestion",
    "Difficulty",
    "Exam",
    "ExamSlot",
    "ExaminerAssignment",
    "GlobalRating",
    "PracticalExam",
    "RubricItem",
    "RubricScore",
    "Scenario",
    "ScenarioVersion",
    "SimulationAction",
    "HisModule",
    "QType",
    "Question",
    "QuestionAnswer",
    "QuestionCategory",
    "QuestionVersion",
    "TextFormat",
]
