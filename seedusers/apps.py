from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SeedusersConfig(AppConfig):
    """Seed-user programmes: nomination, advanced track, coverage per department and shift,
    activity log, recognition."""

    name = "seedusers"
    verbose_name = _("Seed users")

    def ready(self):
        from assessments import documents
        from portal.records import hr, hr_exports

        from . import hooks, receivers  # noqa: F401

        hr_exports.EXPORT_COLUMNS.append(
            hr_exports.ExportColumn(
                hr_exports.SEED_USER_POINTS, hooks.POINTS_HEADER, hooks.export_points
            )
        )
        hr_exports.EXPORT_COLUMNS.append(
            hr_exports.ExportColumn("seed_user", hooks.SEED_USER_HEADER, hooks.export_seed_user)
        )
        hr.TRANSCRIPT_SECTIONS.append(hooks.transcript_section)
        hr.STAFF_MARKS.append(hooks.staff_marks)
        documents.CERTIFICATE_MARKS.append(hooks.certificate_mark)
