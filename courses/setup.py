"""Data every installation needs: the course catalogue page and the trainers' rights to author
under it (Wagtail page and collection permissions). Idempotent; runs after every migrate."""

from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from portal.accounts.roles import TRAINER

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def catalogue_ensure():
    """The course catalogue and the help centre under the home page, if there is one."""
    from content.models import HelpIndexPage, HomePage

    from .models import CourseIndexPage

    home = HomePage.objects.first()
    if home is None:
        return []
    pages = []
    for model, title, title_zh, slug in [
        (CourseIndexPage, "Courses", "课程", "courses"),
        (HelpIndexPage, "Help: manuals and video tutorials", None, "help"),
    ]:
        page = model.objects.first()
        if page is None:
            fields = {"title": title, "slug": slug}
            if title_zh:
                fields["title_zh"] = title_zh
            page = home.add_child(instance=model(**fields))
        pages.append(page)
    return pages


def trainer_permissions_sync():
    group = Group.objects.filter(name=TRAINER).first()
    if group is None:
        return
    for page in catalogue_ensure():
        for codename in PAGE_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=Page.objects.get(pk=page.pk), permission=permission
                )
    root = Collection.get_first_root_node()
    if root is None:
        return
    for app_label, codename in COLLECTION_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=permission
            )
