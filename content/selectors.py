"""Reads for the help centre: one search over manuals, video tutorials, courses and lessons."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

MAX_RESULTS = 50
MAX_QUERY_LENGTH = 200
# (model, kind, label) in the order results of equal standing are listed.
SEARCHED = [
    ("content.ManualPage", "manual", _("Manual")),
    ("content.VideoTutorialPage", "video", _("Video tutorial")),
    ("courses.CoursePage", "course", _("Course")),
    ("courses.LessonPage", "lesson", _("Lesson")),
]
# Chinese is written without spaces, so a full-text index holds a whole phrase as one token and
# a word inside it is never found. Such queries are also matched as substrings of the indexed
# text.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class SearchHit:
    page: Page
    kind: str
    kind_label: str
    course: Page | None = None  # the course a lesson belongs to


def help_search(*, viewer, query: str, limit: int = MAX_RESULTS) -> list[SearchHit]:
    """Live manuals, tutorials, courses and lessons matching the query, best first. Every
    signed-in person may read all of them; anonymous visitors get nothing."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not query or not viewer.is_authenticated:
        return []
    models = [apps.get_model(label) for label, _kind, _label in SEARCHED]
    searchable = Page.objects.live().type(*models)
    ids = [page.pk for page in searchable.search(query)[:limit]]
    if CJK.search(query):
        for pk in _substring_matches(query, models, searchable, limit):
            if pk not in ids:
                ids.append(pk)
    return _hits(ids[:limit], models)


def _substring_matches(query, models, searchable, limit) -> list[int]:
    from wagtail.search.models import IndexEntry

    fields = _plain_text_fields(IndexEntry)
    if not fields:
        return []
    by_model = ContentType.objects.get_for_models(*models, for_concrete_models=False)
    content_types = [by_model[model] for model in models]
    entries = IndexEntry.objects.filter(content_type__in=content_types)
    for term in query.split():
        matches_term = Q()
        for name in fields:
            matches_term |= Q(**{f"{name}__icontains": term})
        entries = entries.filter(matches_term)
    object_ids = [int(pk) for pk in entries.values_list("object_id", flat=True)[: limit * 2]]
    # Help pages before courses before lessons, then in the order of the page tree.
    rank = {ct.pk: index for index, ct in enumerate(content_types)}
    rows = searchable.filter(pk__in=object_ids).values_list("pk", "content_type_id", "path")
    return [pk for pk, _ct, _path in sorted(rows, key=lambda r: (rank.get(r[1], 99), r[2]))]


def _plain_text_fields(index_entry_model) -> list[str]:
    """The index's columns holding plain text: PostgreSQL keeps plain mirrors beside its
    tsvectors; SQLite's title and body are plain text."""
    names = ["title_text", "body_text"] if connection.vendor == "postgresql" else ["title", "body"]
    found = []
    for name in names:
        try:
            index_entry_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        found.append(name)
    return found


def _hits(ids: list[int], models) -> list[SearchHit]:
    course_model = apps.get_model("courses.CoursePage")
    lesson_model = apps.get_model("courses.LessonPage")
    kinds = {
        model: (kind, label) for model, (_name, kind, label) in zip(models, SEARCHED, strict=True)
    }
    pages = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    # The courses of the lessons found, in one query.
    parent_paths = {
        page.path[: -Page.steplen] for page in pages.values() if isinstance(page, lesson_model)
    }
    courses = {c.path: c for c in course_model.objects.filter(path__in=parent_paths)}
    hits = []
    for pk in ids:
        page = pages.get(pk)
        if page is None:
            continue
        kind, label = kinds[type(page)]
        course = courses.get(page.path[: -Page.steplen]) if kind == "lesson" else None
        hits.append(SearchHit(page=page, kind=kind, kind_label=str(label), course=course))
    return hits
