"""Import and export of question files in the admin (part of the question bank menu).

Import is upload -> preview -> confirm. The uploaded bytes are kept server-side in the cache
under a random token bound to the uploader (never round-tripped through the page), parsed again
on confirm, and imported all-or-nothing by assessments.services.imports. The preview writes
nothing. Export downloads the questions of a category (with its subcategories), of the question
list's current filters, or of given ids, as GIFT or Moodle XML.
"""

import secrets
from datetime import date

from django import forms
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet

from portal.records.services import client_ip
from portal.uploads import upload_check

from ..formats.render import text_html
from ..models import QType, Question, QuestionCategory
from ..services.imports import (
    FORMATS,
    ImportRefused,
    categories_missing,
    percent_text,
    questions_export,
    questions_for_export,
    questions_import_apply,
    questions_import_parse,
)
from .bank_forms import QuestionFilterSet, category_choices, descendants, questions_search

FORMAT_LABELS = {"gift": "GIFT", "moodlexml": "Moodle XML"}
MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_TTL = 2 * 60 * 60  # seconds a preview can wait for its confirmation
PREVIEW_QUESTIONS = 20
_CACHE_KEY = "assessments:question-import:{}"


def export_url(*, fmt: str, category: int | None = None, ids=None) -> str:
    params = {"format": fmt}
    if category is not None:
        params["category"] = category
    if ids:
        params["ids"] = ",".join(str(pk) for pk in ids)
    return reverse("question_transfer:export") + "?" + urlencode(params)


# Upload storage ------------------------------------------------------------------------------


def upload_store(*, user, data: bytes, fmt: str, category: str, filename: str) -> str:
    token = secrets.token_urlsafe(18)
    entry = {"user": user.pk, "data": data, "fmt": fmt, "category": category, "name": filename}
    cache.set(_CACHE_KEY.format(token), entry, UPLOAD_TTL)
    return token


def upload_load(*, user, token: str) -> dict | None:
    """The stored upload, only for the person who uploaded it."""
    entry = cache.get(_CACHE_KEY.format(token))
    return entry if entry and entry["user"] == user.pk else None


# Views ---------------------------------------------------------------------------------------


class BankView(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    model = Question
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("assessments_question:index"), "label": gettext("Questions")},
            {"url": "", "label": self.get_page_title()},
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Question file"),
        help_text=_("GIFT (.txt, .gift; UTF-8 or GBK) or Moodle XML (.xml), at most 10 MB."),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=list(FORMAT_LABELS.items()), widget=forms.RadioSelect
    )
    category = forms.CharField(
        label=_("Put the questions under"),
        required=False,
        max_length=500,
        help_text=_(
            'A category path such as "Nursing/Medication" (missing categories are created). '
            "The file's own categories go inside it. Empty: questions without a category go "
            'to "Imported".'
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].initial = "gift"
        self.fields["file"].widget.attrs["accept"] = ".gift,.txt,.xml"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload_check(
            upload,
            extensions=("gift", "txt", "xml"),
            limit=MAX_UPLOAD,
            what=gettext("a question file"),
        )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and cleaned.get("format") == "gift":
            start = upload.read(200).lstrip(b"\xef\xbb\xbf \t\r\n")
            upload.seek(0)
            if start.startswith((b"<?xml", b"<quiz")):
                self.add_error("format", _("This file looks like Moodle XML: choose Moodle XML."))
        return cleaned


class ImportView(BankView, FormView):
    permission_required = "add"
    template_name = "assessments/admin/import.html"
    page_title = _("Import questions")
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        token = upload_store(
            user=self.request.user,
            data=upload.read(),
            fmt=form.cleaned_data["format"],
            category=form.cleaned_data["category"].strip(),
            filename=upload.name,
        )
        return redirect("question_transfer:preview", token=token)


def _answer_lines(question) -> list[dict]:
    """How the preview shows a parsed question's answers."""
    if question.qtype == QType.MATCHING:
        return [
            {
                "html": format_html("{} → {}", pair.question or "—", pair.answer),
                "percent": None,
                "feedback": "",
            }
            for pair in question.pairs
        ]
    lines = []
    for choice in question.choices:
        text = choice.text
        if question.qtype == QType.NUMERICAL:
            text = "*" if choice.value is None else f"{choice.value:g} ± {choice.tolerance:g}"
        lines.append(
            {
                "html": text_html(text, question.text_format),
                "percent": percent_text(choice.fraction),
                "feedback": choice.feedback,
            }
        )
    return lines


class ImportPreviewView(BankView, TemplateView):
    permission_required = "add"
    template_name = "assessments/admin/import_preview.html"
    page_title = _("Import preview")

    def dispatch(self, request, *args, **kwargs):
        self.entry = upload_load(user=request.user, token=kwargs["token"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.entry is None:
            return self._expired()
        return super().get(request, *args, **kwargs)

    def parse(self):
        entry = self.entry
        return questions_import_parse(
            data=entry["data"], fmt=entry["fmt"], category=entry["category"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.parse()
        missing = set(categories_missing(result.categories))
        type_labels = dict(QType.choices)
        context.update(
            entry=self.entry,
            format_label=FORMAT_LABELS[self.entry["fmt"]],
            result=result,
            by_type=[
                (type_labels.get(qtype, qtype), count)
                for qtype, count in result.summary()["by_type"].items()
            ],
            categories=[(path, path in missing) for path in result.categories],
            new_categories=len(missing),
            shown=[
                {
                    "question": question,
                    "type": type_labels.get(question.qtype, question.qtype),
                    "html": text_html(question.text, question.text_format),
                    "answers": _answer_lines(question),
                    "panel_id": f"import-question-{number}",
                }
                for number, question in enumerate(result.questions[:PREVIEW_QUESTIONS], 1)
            ],
            hidden=max(0, len(result.questions) - PREVIEW_QUESTIONS),
            can_import=result.ok and bool(result.questions),
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.entry is None:
            return self._expired()
        result = self.parse()
        if categories_missing(result.categories) and not request.user.has_perm(
            "assessments.add_questioncategory"
        ):
            messages.error(request, gettext("You may not create question categories."))
            return redirect(request.path)
        try:
            report = questions_import_apply(
                result=result, actor=request.user, ip=client_ip(request)
            )
        except ImportRefused as refused:
            messages.error(request, refused.message)
            return redirect(request.path)
        cache.delete(_CACHE_KEY.format(kwargs["token"]))
        messages.success(
            request,
            ngettext(
                "%(count)s question imported; %(categories)s new categories.",
                "%(count)s questions imported; %(categories)s new categories.",
                report.questions,
            )
            % {"count": report.questions, "categories": len(report.categories_created)},
        )
        return redirect("assessments_question:index")

    def _expired(self):
        messages.warning(self.request, gettext("This preview has expired. Upload the file again."))
        return redirect("question_transfer:import")


class ExportForm(forms.Form):
    category = forms.ChoiceField(label=_("Category (with its subcategories)"))
    format = forms.ChoiceField(
        label=_("Format"), choices=list(FORMAT_LABELS.items()), widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()[1:]
        self.fields["format"].initial = "gift"


class ExportView(BankView, TemplateView):
    """With ?format=...: the file (of ?category=, ?ids= or the list's filters); else a form."""

    permission_required = "view"
    template_name = "assessments/admin/export.html"
    page_title = _("Export questions")
    header_icon = "download"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt not in FORMATS:
            return super().get(request, *args, **kwargs)
        questions = self.selection(request.GET)
        content = questions_export(questions=questions_for_export(questions), fmt=fmt)
        extension, kind = ("gift", "text/plain") if fmt == "gift" else ("xml", "application/xml")
        response = HttpResponse(content, content_type=f"{kind}; charset=utf-8")
        name = f"questions-{self.label(request.GET)}-{date.today():%Y%m%d}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def selection(self, params):
        queryset = Question.objects.all()
        ids = [int(pk) for pk in params.get("ids", "").split(",") if pk.strip().isdigit()]
        if ids:
            queryset = queryset.filter(pk__in=ids)
        if params.get("category", "").isdigit():
            queryset = queryset.filter(category_id__in=descendants(int(params["category"])))
        filters = {k: v for k, v in params.items() if k not in ("category", "ids", "format")}
        queryset = QuestionFilterSet(filters, queryset=queryset, request=self.request).qs
        return questions_search(queryset, params.get("q", "").strip()).order_by("name", "pk")

    def label(self, params) -> str:
        if params.get("category", "").isdigit():
            category = QuestionCategory.objects.filter(pk=params["category"]).first()
            if category is not None:
                return slugify(category.name) or f"category-{category.pk}"
        return "selection"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = ExportForm()
        context["action"] = reverse("question_transfer:export")
        return context


class QuestionTransferViewSet(ViewSet):
    name = "question_transfer"
    url_prefix = "assessments/transfer"
    icon = "upload"
    menu_label = _("Import questions")

    @property
    def menu_item_class(self):
        class ImportMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm("assessments.add_question")

        return ImportMenuItem

    def get_urlpatterns(self):
        return [
            path("import/", ImportView.as_view(), name="import"),
            path("import/<str:token>/", ImportPreviewView.as_view(), name="preview"),
            path("export/", ExportView.as_view(), name="export"),
        ]
