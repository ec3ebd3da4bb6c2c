"""Curricula in the Wagtail admin (trainers and superusers): a curriculum with its required items
edited on the same page. Saves and deletes go through courses.services.enrolment, which audits
them and recomputes everybody's assignments after commit.

The models are plain Django models (no ParentalKey), so the items are an inline formset that the
curriculum form owns: it validates and saves with the curriculum. An item picks a kind first
(only "course" so far) and then a target of that kind; kinds are registered in
courses.selectors.enrolment, so exams plug in later with a field of their own here.
"""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import Curriculum, CurriculumItem
from courses.selectors.enrolment import ITEM_KINDS, item_kind_for
from courses.services.enrolment import curriculum_delete, curriculum_save
from portal.records.services import client_ip

Rule = CurriculumItem.DueRule


class CurriculumItemForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("Kind"))

    class Meta:
        model = CurriculumItem
        fields = ["sort_order", "due_rule", "due_date", "due_days"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_days": forms.NumberInput(attrs={"min": 0}),
            "sort_order": forms.NumberInput(attrs={"min": 0}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = item_kind_for(self.instance.content_type_id) if self.instance.pk else None
        self.fields["kind"].choices = [(k.key, k.label) for k in ITEM_KINDS.values()]
        self.fields["kind"].initial = current.key if current else next(iter(ITEM_KINDS))
        # One chooser per kind, named after it ("course"); the chosen kind's must be filled.
        for kind in ITEM_KINDS.values():
            choices = kind.choices()
            if current is kind:
                # Keep the current target choosable even if it is no longer (e.g. unpublished).
                choices = choices | kind.model.objects.filter(pk=self.instance.object_id)
            self.fields[kind.key] = forms.ModelChoiceField(
                queryset=choices, required=False, label=kind.label
            )
            if current is kind:
                self.fields[kind.key].initial = self.instance.object_id
        self.order_fields(["kind", *ITEM_KINDS, "due_rule", "due_date", "due_days", "sort_order"])
        self.fields["sort_order"].required = False
        if not self.instance.pk:
            # A blank row stays blank (and unchanged, so it is skipped); saving numbers it.
            self.initial.pop("sort_order", None)
            self.fields["sort_order"].initial = None
            self.fields["sort_order"].widget.attrs["placeholder"] = gettext("next")

    def clean(self):
        cleaned = super().clean()
        cleaned["sort_order"] = cleaned.get("sort_order") or 0
        kind = ITEM_KINDS.get(cleaned.get("kind") or "")
        if kind is not None:
            target = cleaned.get(kind.key)
            if target is None:
                self.add_error(
                    kind.key,
                    gettext("Choose the %(kind)s this item requires.")
                    % {"kind": str(kind.label).lower()},
                )
            else:
                self.instance.content_type = kind.content_type
                self.instance.object_id = target.pk
                # Other kinds' choosers are ignored; clear them so the row reads as saved.
                for other in ITEM_KINDS.values():
                    if other is not kind:
                        cleaned[other.key] = None
        rule = cleaned.get("due_rule")
        if rule == Rule.FIXED:
            if not cleaned.get("due_date"):
                self.add_error("due_date", gettext("A fixed due date needs a date."))
            cleaned["due_days"] = None
        elif rule in (Rule.BEFORE_GO_LIVE, Rule.AFTER_HIRE):
            if cleaned.get("due_days") is None:
                message = (
                    gettext("Give the number of days before the department's go-live.")
                    if rule == Rule.BEFORE_GO_LIVE
                    else gettext("Give the number of days after the hire date.")
                )
                self.add_error("due_days", message)
            cleaned["due_date"] = None
        return cleaned

    def target_key(self):
        kind = ITEM_KINDS.get(self.cleaned_data.get("kind") or "")
        target = self.cleaned_data.get(kind.key) if kind else None
        return (kind.key, target.pk, target) if target is not None else None


class BaseItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            if not form.has_changed() and not form.instance.pk:
                continue
            key = form.target_key()
            if key is None:
                continue
            if key[:2] in seen:
                form.add_error(
                    key[0],
                    gettext("%(item)s is already in this curriculum: keep one of them.")
                    % {"item": key[2]},
                )
            seen.add(key[:2])


CurriculumItemFormSet = forms.inlineformset_factory(
    Curriculum,
    CurriculumItem,
    form=CurriculumItemForm,
    formset=BaseItemFormSet,
    extra=1,  # "Add another item" adds more
    can_delete=True,
)


class CurriculumForm(forms.ModelForm):
    """The curriculum and, as `self.items`, its items: valid and saved together."""

    class Meta:
        model = Curriculum
        fields = ["name", "name_zh", "job_role", "departments", "active"]
        widgets = {"departments": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = CurriculumItemFormSet(
            data=self.data if self.is_bound else None,
            instance=self.instance,
            prefix="items",
            queryset=CurriculumItem.objects.order_by("sort_order", "pk"),
        )
        self.fields["departments"].queryset = self.fields["departments"].queryset.order_by("code")

    def is_valid(self):
        form_valid = super().is_valid()
        return self.items.is_valid() and form_valid

    @property
    def media(self):
        return super().media + self.items.media

    def save(self, commit=True):
        curriculum = super().save(commit=commit)
        self.items.instance = curriculum
        self._number_new_items()
        self.items.save()
        return curriculum

    def _number_new_items(self):
        # Items added without an order go after the others, in the order of the rows.
        used = [
            f.cleaned_data.get("sort_order") or 0
            for f in self.items.forms
            if f.has_changed() and not self.items._should_delete_form(f)
        ]
        following = max(used, default=0)
        for form in self.items.forms:
            if form.has_changed() and not form.cleaned_data.get("sort_order"):
                following += 1
                form.instance.sort_order = following


class CurriculumIndexView(generic.IndexView):
    def get_base_queryset(self):
        # Role, departments and item count without a query per row.
        return (
            super()
            .get_base_queryset()
            .select_related("job_role")
            .prefetch_related("departments")
            .annotate(item_count=Count("items"))
        )


class CurriculumCreateView(generic.CreateView):
    template_name = "courses/curricula/form.html"

    def save_instance(self):
        return curriculum_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class CurriculumEditView(generic.EditView):
    template_name = "courses/curricula/form.html"

    def save_instance(self):
        return curriculum_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class CurriculumDeleteView(generic.DeleteView):
    def delete_action(self):
        curriculum_delete(
            actor=self.request.user, curriculum=self.object, ip=client_ip(self.request)
        )


def _departments(curriculum) -> str:
    names = [d.code for d in curriculum.departments.all()]
    return ", ".join(names) if names else gettext("Whole hospital")


class CurriculumViewSet(ModelViewSet):
    url_prefix = "courses/curricula"
    model = Curriculum
    icon = "list-ol"
    menu_label = _("Curricula")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = CurriculumIndexView
    add_view_class = CurriculumCreateView
    edit_view_class = CurriculumEditView
    delete_view_class = CurriculumDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = ["job_role", "active"]
    search_fields = ["name", "name_zh"]
    list_per_page = 50
    list_display = [
        "name",
        "job_role",
        Column("departments", label=_("Departments"), accessor=_departments),
        Column("item_count", label=_("Required items")),
        StatusTagColumn(
            "active",
            label=_("Status"),
            accessor=lambda c: gettext("Active") if c.active else gettext("Inactive"),
            primary=lambda c: c.active,
        ),
    ]

    def get_form_class(self, for_update=False):
        return CurriculumForm


@hooks.register("register_admin_viewset")
def register_curricula():
    return CurriculumViewSet("curricula")
