"""The Wagtail tree every installation has: root page, home page, site, root collection."""

from wagtail.models import Collection, Locale, Page, Site


def site_tree_ensure():
    """The Wagtail root, home page, site and root collection. Migrations create them; a
    database emptied by a flush (browser tests) needs them back."""
    from content.models import HomePage

    locale, _created = Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(
            instance=HomePage(
                title="Readyline",
                slug="home",
                locale=locale,
                intro="<p>Training and certification for the new hospital information system: "
                "learn for your role, practise in the simulated system, prove you are ready.</p>",
                intro_zh="<p>新医院信息系统培训与认证：按岗位学习，在模拟系统中练习，证明你已准备就绪。</p>",
            )
        )
    if not Site.objects.exists():
        Site.objects.create(
            hostname="localhost", root_page=home, is_default_site=True, site_name="Readyline"
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
