"""Store a response exactly once per client UUID, whatever the number of retries.

A tablet with a bad network resends until it sees an answer, possibly in parallel.  The
``client_uuid`` column is UNIQUE, and the write is race-free on both databases: one
``INSERT ... ON CONFLICT (client_uuid) DO NOTHING RETURNING id``, then, when nothing was
inserted, a read of the row that won.  On SQLite the transaction is ``BEGIN IMMEDIATE`` (the
write lock is taken first, so an existing UUID is always a committed row), and every value is
converted before that lock is taken: SQLite has one writer, so the lock is held only for the
prepared DB-API statements and the commit.  On PostgreSQL one statement writes all rows.

Resending the same content returns the stored response; the same UUID with other content is a
conflict the client must resolve (it never overwrites).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, Executable, Integer, String, Table, bindparam, cast, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.instruments.versioning import canonical_json
from survey_engine.store.engine import is_sqlite, sqlite_write_cursor, write_connection
from survey_engine.store.models import AuditEntry, Response, ResponsePersonal, utcnow

__all__ = ["Submission", "SubmitOutcome", "NewResponse", "fingerprint", "submit_response"]


class SubmitOutcome(str, Enum):
    CREATED = "created"
    EXISTING = "existing"
    CONFLICT = "conflict"


def fingerprint(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of what the client sent (decides 'same content')."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Submission:
    """A checked response ready to store; ``answers`` are the answer engine's cleaned answers."""

    client_uuid: str
    fingerprint: str
    campaign_id: int
    version_id: int
    mode: str
    language: str
    status: str
    answers: Mapping[str, Any]
    paradata: Mapping[str, Any] = field(default_factory=dict)
    site_id: int | None = None
    interviewer_id: int | None = None
    device_id: int | None = None
    repeat_suspected: bool = False
    #: Identifying answers (``personal_data`` questions): stored in ``response_personal``.
    personal: Mapping[str, Any] = field(default_factory=dict)
    unit_id: int | None = None
    selection: Mapping[str, Any] | None = None
    review_reason: str | None = None


@dataclass(frozen=True, slots=True)
class NewResponse:
    """The row just inserted, as plain values: building an ORM instance only to answer the
    request cost about 4% of an API submission."""

    id: int
    client_uuid: str
    fingerprint: str
    campaign_id: int
    version_id: int
    mode: str
    language: str
    status: str
    answers: dict[str, Any]
    paradata: dict[str, Any]
    site_id: int | None
    interviewer_id: int | None
    device_id: int | None
    repeat_suspected: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    unit_id: int | None
    selection: dict[str, Any] | None
    review_reason: str | None
    row_version: int = 1


def _values(sub: Submission) -> dict[str, Any]:
    now = utcnow()
    return {"client_uuid": sub.client_uuid, "fingerprint": sub.fingerprint, "campaign_id": sub.campaign_id,
            "version_id": sub.version_id, "mode": sub.mode, "language": sub.language, "status": sub.status,
            "answers": dict(sub.answers), "paradata": dict(sub.paradata), "site_id": sub.site_id,
            "interviewer_id": sub.interviewer_id, "device_id": sub.device_id,
            "repeat_suspected": sub.repeat_suspected, "created_at": now, "updated_at": now,
            "submitted_at": None if sub.status == "draft" else now, "unit_id": sub.unit_id,
            "selection": None if sub.selection is None else dict(sub.selection), "review_reason": sub.review_reason}


def _existing(connection: Connection, sub: Submission) -> tuple[SubmitOutcome, Response]:
    with Session(bind=connection, expire_on_commit=False) as session:
        stored = session.scalar(select(Response).where(Response.client_uuid == sub.client_uuid))
        assert stored is not None  # the UNIQUE conflict proves the row exists
        session.expunge(stored)
    same = stored.fingerprint == sub.fingerprint
    return (SubmitOutcome.EXISTING if same else SubmitOutcome.CONFLICT), stored


_RESPONSES = Response.__table__
_AUDIT = AuditEntry.__table__
_PERSONAL = ResponsePersonal.__table__
_VALUE_NAMES = ("client_uuid", "fingerprint", "campaign_id", "version_id", "mode", "language", "status", "answers",
                "paradata", "site_id", "interviewer_id", "device_id", "repeat_suspected", "created_at",
                "updated_at", "submitted_at", "unit_id", "selection", "review_reason")


def _pg_single_statement(with_personal: bool) -> Executable:
    """PostgreSQL: the response, its personal answers and its audit row in ONE statement (data-modifying
    CTEs), saving two round trips; returns the new id, or no row when the UUID is already stored."""
    new = (pg_insert(_RESPONSES)
           .values({name: bindparam(name, type_=_RESPONSES.c[name].type) for name in _VALUE_NAMES})
           .on_conflict_do_nothing(index_elements=["client_uuid"]).returning(_RESPONSES.c.id).cte("new_response"))
    audit = insert(_AUDIT).from_select(
        ["at", "action", "entity", "entity_id", "user_id", "device_id", "details"],
        select(bindparam("audit_at", type_=_AUDIT.c.at.type), literal("submit", String), literal("response", String),
               cast(new.c.id, String), bindparam("audit_user_id", type_=_AUDIT.c.user_id.type),
               bindparam("audit_device_id", type_=_AUDIT.c.device_id.type),
               bindparam("audit_details", type_=_AUDIT.c.details.type)).select_from(new),
    ).returning(cast(_AUDIT.c.entity_id, Integer))
    if with_personal:
        audit = audit.add_cte(insert(_PERSONAL).from_select(
            ["response_id", "answers"],
            select(new.c.id, bindparam("personal_answers", type_=_PERSONAL.c.answers.type)).select_from(new),
        ).cte("new_personal"))
    return audit


_PG_SINGLE = {flag: _pg_single_statement(flag) for flag in (False, True)}


class _SqliteInsert:
    """One INSERT as DB-API text plus the column types' own bind processors (JSON, UTC
    datetimes, booleans), so the values are converted *before* the write turn is taken."""

    def __init__(self, table: Table, names: tuple[str, ...], suffix: str = "") -> None:
        self.names = names
        self.sql = (f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
                    f"{suffix}")
        self._table = table
        self._processors: list[Any] | None = None

    def parameters(self, dialect: Dialect, values: Mapping[str, Any]) -> tuple[Any, ...]:
        if self._processors is None:
            self._processors = [self._table.c[name].type.bind_processor(dialect) for name in self.names]
        return tuple(value if process is None or value is None else process(value)
                     for process, value in zip(self._processors, (values[name] for name in self.names)))


_SQLITE_RESPONSE = _SqliteInsert(_RESPONSES, _VALUE_NAMES, " ON CONFLICT (client_uuid) DO NOTHING RETURNING id")
_SQLITE_PERSONAL = _SqliteInsert(_PERSONAL, ("response_id", "answers"))
_SQLITE_AUDIT = _SqliteInsert(_AUDIT, ("at", "action", "entity", "entity_id", "user_id", "device_id", "details"))


def submit_response(factory: sessionmaker[Session], sub: Submission,
                    ) -> tuple[SubmitOutcome, Response | NewResponse]:
    """Insert ``sub`` unless its UUID is stored; says whether it was created, repeated or conflicting.

    A new row comes back as a plain :class:`NewResponse` (what was inserted, no relationships:
    callers that need the campaign or site already know them); a stored one as a detached ORM row.
    """
    values = _values(sub)
    engine = factory.kw["bind"]
    if is_sqlite(engine):
        return _submit_sqlite(engine, sub, values)
    return _submit_postgresql(engine, sub, values)


def _submit_sqlite(engine: Engine, sub: Submission, values: dict[str, Any]) -> tuple[SubmitOutcome, Response | NewResponse]:
    dialect = engine.dialect
    row = _SQLITE_RESPONSE.parameters(dialect, values)
    audit = {"at": values["created_at"], "action": "submit", "entity": "response", "user_id": sub.interviewer_id,
             "device_id": sub.device_id, "details": {"uuid": sub.client_uuid, "mode": sub.mode, "status": sub.status}}
    audit_row = _SQLITE_AUDIT.parameters(dialect, {**audit, "entity_id": None})
    personal_row = _SQLITE_PERSONAL.parameters(dialect, {"response_id": None, "answers": dict(sub.personal)})
    with sqlite_write_cursor(engine) as cursor:  # BEGIN IMMEDIATE ... COMMIT
        inserted = cursor.execute(_SQLITE_RESPONSE.sql, row).fetchone()
        if inserted is not None:
            new_id = inserted[0]
            if sub.personal:
                cursor.execute(_SQLITE_PERSONAL.sql, (new_id, *personal_row[1:]))
            cursor.execute(_SQLITE_AUDIT.sql, (*audit_row[:3], str(new_id), *audit_row[4:]))
    if inserted is None:  # the UUID was stored (and committed) before: we held the write lock
        with engine.connect() as connection:
            return _existing(connection, sub)
    return SubmitOutcome.CREATED, NewResponse(id=new_id, **values)


def _submit_postgresql(engine: Engine, sub: Submission, values: dict[str, Any],
                       ) -> tuple[SubmitOutcome, Response | NewResponse]:
    params = {**values, "audit_at": values["created_at"], "audit_user_id": sub.interviewer_id,
              "audit_device_id": sub.device_id,
              "audit_details": {"uuid": sub.client_uuid, "mode": sub.mode, "status": sub.status}}
    if sub.personal:
        params["personal_answers"] = dict(sub.personal)
    with write_connection(engine) as connection:
        new_id = connection.execute(_PG_SINGLE[bool(sub.personal)], params).scalar()
        if new_id is None:
            return _existing(connection, sub)
    return SubmitOutcome.CREATED, NewResponse(id=new_id, **values)
