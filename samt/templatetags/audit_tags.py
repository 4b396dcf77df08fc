"""The audit trail as people read it: `{{ event.action|action_name }}` and `{% for row in event|audit_changes %}`."""

from __future__ import annotations

from django import template

from samt.audit_names import Change, action_name, event_changes
from samt.models import AuditEvent

register = template.Library()

register.filter("action_name", action_name)


@register.filter
def audit_changes(event: AuditEvent) -> list[Change]:
    return event_changes(event.before, event.after)
