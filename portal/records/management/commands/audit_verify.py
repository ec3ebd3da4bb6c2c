from django.core.management.base import BaseCommand, CommandError

from portal.records.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain. Prints OK, or the first broken link (exit 1)."

    def handle(self, *args, **options):
        result = audit_chain_verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} audit events, chain intact.")
            return
        where = f"event {result.broken_id}" if result.broken_id else "end of the chain"
        raise CommandError(
            f"BROKEN at {where}: {result.reason} ({result.checked} events checked before it)."
        )
