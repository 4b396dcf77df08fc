"""verify_audit_chain: walks the audit trail's hash chain and names the first event that breaks it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from samt.audit_chain import chain_verify
from samt.models import AuditLink


class Command(BaseCommand):
    help = ("Checks every link of the audit trail's hash chain against its event, in chain order; exits 1 naming the "
            "first event that was changed, removed before or put in behind the chain. Prints the count and the "
            "head hash: keep them outside the database (a mail, a ticket) so that rewriting the whole chain from "
            "some event on is found too.")

    def handle(self, *args: Any, **options: Any) -> None:
        checked = chain_verify(AuditLink.objects.select_related("event").order_by("id").iterator(chunk_size=2000))
        if checked.broken is not None:
            broken = checked.broken
            raise CommandError(f"audit chain broken at event {broken.event_id} ({broken.at:%Y-%m-%d %H:%M:%S} UTC, "
                               f"{broken.action}): {broken.why}; the {checked.held:,} links before it hold")
        waiting = f"; {checked.unlinked:,} newer events wait for the worker" if checked.unlinked else ""
        self.stdout.write(f"audit chain intact: {checked.held:,} events linked, head {checked.head}{waiting}")
