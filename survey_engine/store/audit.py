"""The audit log: every change, by whom and when, in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_engine.store.models import AuditEntry

__all__ = ["record"]


def record(session: Session, action: str, entity: str, entity_id: object = None, *, user_id: int | None = None,
           device_id: int | None = None, details: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
                       user_id=user_id, device_id=device_id, details=details or {})
    session.add(entry)
    return entry
