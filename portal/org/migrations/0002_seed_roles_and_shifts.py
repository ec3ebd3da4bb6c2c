from django.db import migrations


def seed(apps, schema_editor):
    from portal.org.reference import reference_data_ensure

    reference_data_ensure(apps.get_model("org", "JobRole"), apps.get_model("org", "Shift"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
