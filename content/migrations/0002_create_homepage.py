from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("content.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    # Replace the placeholder page wagtailcore.0002_initial_data creates.
    page_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    Page.objects.filter(content_type=page_type, slug="home", depth=2).delete()
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="content")
    home = HomePage.objects.create(
        title="Readyline",
        draft_title="Readyline",
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=Locale.objects.order_by("pk").first(),
        intro="<p>Training and certification for the new hospital information system: learn "
        "for your role, practise in the simulated system, prove you are ready.</p>",
        intro_zh="<p>新医院信息系统培训与认证：按岗位学习，在模拟系统中练习，证明你已准备就绪。</p>",
    )
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True,
                        site_name="Readyline")


def remove_homepage(apps, schema_editor):
    apps.get_model("content.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]
    operations = [migrations.RunPython(create_homepage, remove_homepage)]
