"""The question and category forms of the admin (assessments/admin/bank.py).

A question is saved with its answer rows (an InlinePanel); the rows are checked against Moodle's
editing rules for the question's type (assessments.services.imports.answer_rule_errors, the same
rules an import applies), and the form refuses the save with a message per broken rule."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm

from portal.org.models import JobRole

from ..models import QType, Question, QuestionCategory
from ..services.imports import answer_rule_errors, category_paths

SEARCH_FIELDS = ["name", "text", "text_zh", "keywords", "idnumber"]


def category_choices(*, exclude: set[int] = frozenset()) -> list[tuple]:
    """(pk, "Parent/Child") in tree order, from one query."""
    paths = category_paths()
    rows = sorted(
        ((pk, path) for pk, path in paths.items() if pk not in exclude),
        key=lambda row: row[1].lower(),
    )
    return [("", "---------"), *rows]


def descendants(pk: int) -> set[int]:
    """pk and every category under it (one query)."""
    children: dict[int | None, list[int]] = {}
    for child, parent in QuestionCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pk]
    while todo:
        node = todo.pop()
        if node not in found:
            found.add(node)
            todo.extend(children.get(node, []))
    return found


class QuestionCategoryForm(WagtailAdminModelForm):
    class Meta:
        model = QuestionCategory
        fields = ["parent", "name", "name_zh", "info"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A category cannot move under itself or under one of its subcategories.
        below = descendants(self.instance.pk) if self.instance.pk else set()
        self.fields["parent"].choices = category_choices(exclude=below)
        self.fields["parent"].help_text = _("Empty: a top-level category.")

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.instance.pk and parent.pk in descendants(self.instance.pk):
            raise forms.ValidationError(
                _("A category cannot be moved into itself or one of its subcategories.")
            )
        return parent

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the category a name."))
        return name

    def clean(self):
        cleaned = super().clean()
        name, parent = cleaned.get("name"), cleaned.get("parent")
        if name:
            siblings = QuestionCategory.objects.filter(parent=parent, name=name)
            if siblings.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "name", _("There is already a category with this name in the same place.")
                )
        return cleaned


class QuestionForm(WagtailAdminModelForm):
    """Fields and panels come from QuestionViewSet.panels; this adds the per-type rules."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "category" in self.fields:
            self.fields["category"].choices = category_choices()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("qtype") == QType.DESCRIPTION:
            cleaned["default_mark"] = Decimal(0)  # a description is never marked
        return cleaned

    def is_valid(self):
        if not super().is_valid():
            return False
        qtype = self.cleaned_data.get("qtype")
        rows = self._answer_rows(qtype)
        for message in answer_rule_errors(qtype=qtype, answers=rows):
            self.add_error(None, message)
        return not self.errors

    def _answer_rows(self, qtype: str) -> list[dict]:
        """The kept answer rows as the rules read them (fraction as a share). Entirely empty
        rows are dropped rather than saved; true/false texts and decimal commas are tidied."""
        formset = self.formsets.get("answers")
        if formset is None:
            return []
        rows = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or formset._should_delete_form(form):
                continue
            text = (data.get("text") or "").strip()
            match = (data.get("match") or "").strip()
            fraction = data.get("fraction") or Decimal(0)
            if not text and not match and not fraction and not data.get("feedback"):
                data["DELETE"] = True  # a blank row: skipped by the formset's save
                continue
            if qtype == QType.TRUEFALSE:
                text = text.lower()
            if qtype == QType.NUMERICAL:
                text = text.replace(",", ".")
            data["text"] = form.instance.text = text
            rows.append(
                {
                    "text": text,
                    "match": match,
                    "fraction": float(fraction) / 100,
                    "tolerance": float(data.get("tolerance") or 0),
                }
            )
        return rows


class QuestionFilterSet(WagtailFilterSet):
    category = ChoiceFilter(
        label=gettext_lazy("Category (with subcategories)"),
        choices=lambda: category_choices()[1:],
        method="filter_category",
    )
    job_roles = ModelChoiceFilter(
        label=gettext_lazy("Job role"), queryset=JobRole.objects.all(), distinct=True
    )

    class Meta:
        model = Question
        fields = ["category", "qtype", "job_roles", "his_module", "difficulty", "archived"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=descendants(int(value))) if value else queryset


def questions_search(queryset, query: str):
    """The admin list's search (no search index: the bank is small), for the export."""
    condition = Q()
    for name in SEARCH_FIELDS:
        condition |= Q(**{f"{name}__icontains": query})
    return queryset.filter(condition) if query else queryset
