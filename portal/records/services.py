"""Writing the audit trail. Every event extends a hash chain; see AuditEvent."""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
logger = logging.getLogger(__name__)


@dataclass
class AuditEntry:
    action: str
    actor: Any = None
    object_type: str = ""
    object_id: str = ""
    before: Any = None
    after: Any = None
    ip: str | None = None
    extra: dict = field(default_factory=dict)


def _jsonable(value):
    # What the database will hand back later, so the hash recomputes identically.
    return None if value is None else json.loads(json.dumps(value, default=str))


def audit_event_hash(event: AuditEvent) -> str:
    payload = {
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "prev": event.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return actor.email


def audit_record_many(*, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append events in order, in one transaction, holding the chain head lock."""
    if not entries:
        return []
    now = timezone.now()
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        prev = head.last_hash
        events = []
        for entry in entries:
            actor = entry.actor if getattr(entry.actor, "is_authenticated", False) else None
            event = AuditEvent(
                at=now,
                actor_id=actor.pk if actor else None,
                actor_label=entry.extra.get("actor_label") or _actor_label(actor),
                action=entry.action,
                object_type=entry.object_type,
                object_id=str(entry.object_id or ""),
                before=_jsonable(entry.before),
                after=_jsonable(entry.after),
                ip=entry.ip or None,
                prev_hash=prev,
            )
            event.hash = audit_event_hash(event)
            prev = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        head.last_hash = prev
        head.count += len(events)
        head.save(update_fields=["last_hash", "count"])
    return events


def audit_record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id="",
    before=None,
    after=None,
    ip: str | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. `obj` fills object type and id from a model instance."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = AuditEntry(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        ip=ip,
        extra={"actor_label": actor_label},
    )
    return audit_record_many(entries=[entry])[0]


def audit_changes(before: dict | None, after: dict) -> tuple[dict | None, dict]:
    """An edit's snapshots cut to the fields that changed (a creation, before None, keeps all)."""
    if before is None:
        return None, after
    changed = {k for k in after if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_chain_attest() -> bool:
    """Verify the whole chain and record the outcome in the trail itself, so auditors see when
    it was last proven intact (run nightly by beat)."""
    from .selectors import audit_chain_verify

    result = audit_chain_verify()
    audit_record(
        action="audit.verify" if result.ok else "audit.verify_failed",
        after={
            "ok": result.ok,
            "checked": result.checked,
            "broken_id": result.broken_id,
            "reason": result.reason,
        },
        actor_label="system (nightly check)",
    )
    if not result.ok:
        logger.error("Audit chain broken at event %s: %s", result.broken_id, result.reason)
    return result.ok
