"""verify_audit_chain: walks the audit trail's hash chain and names the first event that breaks it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samt.audit_chain import chain_verify
from samt.models import AuditEvent


class Command(BaseCommand):
    help = ("Checks every audit event's link and hash in id order; exits 1 naming the first event that was changed, "
            "removed before or put in afterwards. Prints the count and the chain's head hash: keep them outside the "
            "database (a mail, a ticket) so that rewriting the whole chain from some event on is found too.")

    def handle(self, *args: Any, **options: Any) -> None:
        checked = chain_verify(AuditEvent.objects.order_by("id").iterator(chunk_size=2000))
        if checked.broken is not None:
            broken = checked.broken
            raise CommandError(f"audit chain broken at event {broken.event_id} ({broken.at:%Y-%m-%d %H:%M:%S} UTC, "
                               f"{broken.action}): {broken.why}; {checked.events - 1:,} events before it hold")
        self.stdout.write(f"audit chain intact: {checked.events:,} events, head {checked.head}")
