from django.core.management.base import BaseCommand

from portal.demo.hospital import PASSWORD, build_hospital, demo_logins


class Command(BaseCommand):
    help = "Build (or bring up to date) the demo hospital. Idempotent."

    def handle(self, *args, **options):
        summary = build_hospital()
        self.stdout.write(
            f"Demo hospital ready: {summary['new']} staff added, {summary['changed']} updated, "
            f"{summary['unchanged']} unchanged."
        )
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:38} {what}")
