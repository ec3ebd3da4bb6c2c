from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from .models import AuditChainHead, AuditEvent
from .services import GENESIS_HASH, audit_event_hash


def audit_event_list(
    *,
    viewer,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from=None,
    date_to=None,
):
    """Audit events the viewer may read, newest first, filtered."""
    if not viewer.has_perm("records.view_auditevent"):
        raise PermissionDenied
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events.order_by("-id")


def audit_actions() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("action", flat=True).distinct())


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def audit_chain_verify() -> ChainCheck:
    """Walk the chain from the first event; report the first link that does not hold."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return ChainCheck(
                False,
                checked,
                event.pk,
                "previous hash does not match: an event before it was removed or altered",
            )
        if audit_event_hash(event) != event.hash:
            return ChainCheck(False, checked, event.pk, "content does not match its hash")
        prev = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return ChainCheck(
            False,
            checked,
            None,
            "the newest events were removed (the chain head "
            f"records {head.count} events, {checked} found)",
        )
    return ChainCheck(True, checked)
