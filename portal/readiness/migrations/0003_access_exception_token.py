"""The access-exception form's token moves from the audit entry's JSON to a unique column on
the exception, so the database itself refuses a second request from one form. Not filled in
for earlier exceptions: a form token only guards the seconds of a double submit, and those
are long past for every row already written."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0002_waves_from_go_live_dates"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessexception",
            name="token",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, unique=True
            ),
        ),
    ]
