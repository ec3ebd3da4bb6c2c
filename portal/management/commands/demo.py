from django.core.management.base import BaseCommand

from assessments.demo import build_exams
from assessments.demo_certification import build_certification, build_readiness_mix
from assessments.demo_practical import build_practical
from courses.demo_content import build_courses
from courses.demo_learning import build_learning
from portal.demo.hospital import (
    DEMO_TOTP_SECRET,
    PASSWORD,
    build_hospital,
    demo_logins,
    demo_totp_code,
)
from portal.readiness.demo import demo_readiness
from seedusers.demo import demo_seed_users
from seedusers.models import Nomination


class Command(BaseCommand):
    help = "Build (or bring up to date) the demo hospital, its courses and training. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code",
            action="store_true",
            help="Only print the demo authenticator app's current code (make code).",
        )

    def handle(self, *args, **options):
        if options["code"]:
            self.stdout.write(demo_totp_code())
            return
        summary = build_hospital()
        self.stdout.write(
            f"Demo hospital ready: {summary['new']} staff added, {summary['changed']} updated, "
            f"{summary['unchanged']} unchanged."
        )
        created = build_courses()
        self.stdout.write(f"Demo courses ready: {created}.")
        learning = build_learning()
        self.stdout.write(f"Demo training ready: {learning}.")
        exams = build_exams()
        self.stdout.write(f"Demo exams ready: {exams}.")
        practical = build_practical()
        self.stdout.write(f"Demo practical exams ready: {practical}.")
        self.stdout.write(f"Demo certification ready: {build_certification()}.")
        self.stdout.write(f"Demo seed users ready: {demo_seed_users()}.")
        # After the seed users: their nominees are trained by the seed-user demo, not the mix.
        nominees = Nomination.objects.values_list("staff_id", flat=True)
        mix = build_readiness_mix(leave_out=list(nominees))
        self.stdout.write(f"Demo readiness mix ready: {mix}.")
        self.stdout.write(f"Demo readiness ready: {demo_readiness()}.")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:38} {what}")
        self.stdout.write(
            "Every login but the learners' asks for a two-factor code: add the key "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or run `make code`."
        )
