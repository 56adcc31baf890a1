"""The stored entities, as SQLAlchemy 2.0 typed models.

Answers and personal data live in different tables (PIPL: keep identifying data apart from
answers): ``InvitationContact`` and ``FrameContact`` hold names, phones and addresses; a
``Response`` holds none.  Questionnaire versions are immutable: their canonical JSON and the
content hash from :mod:`survey_engine.instruments` are stored once, unique per questionnaire.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base", "Role", "ResponseStatus", "CampaignStatus", "InvitationStatus", "User", "Device",
    "Questionnaire", "QuestionnaireVersion", "Campaign", "Site", "Invitation", "InvitationContact",
    "FrameContact", "Response", "ResponsePersonal", "AuditEntry", "UTCDateTime", "utcnow",
    "UnitStatus", "FieldUnit", "VisitAttempt", "InterceptSlot", "InterceptTally", "CaseStatus", "RatingCase",
]


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC (stored as such on every database)."""
    return dt.datetime.now(dt.UTC)


class Role(str, Enum):
    """What a signed-in person may do (see the authorisation matrix in docs/web.md)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INTERVIEWER = "interviewer"
    ANALYST = "analyst"


class ResponseStatus(str, Enum):
    DRAFT = "draft"
    COMPLETE = "complete"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: Stored from a device but not accepted as it came (answers failing checks, clock far off):
    #: a supervisor decides; nothing a device sends is dropped.
    NEEDS_REVIEW = "needs_review"


class UnitStatus(str, Enum):
    """Where an assigned household or enterprise stands in fieldwork."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"  # attempted, no final disposition yet
    FINAL = "final"  # a final AAPOR disposition (complete, refusal, not eligible, ...)


class CampaignStatus(str, Enum):
    OPEN = "open"
    CLOSED = "closed"


class InvitationStatus(str, Enum):
    PENDING = "pending"
    STARTED = "started"
    COMPLETED = "completed"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on every database (SQLite stores no offset; PostgreSQL answers in its zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only (use models.utcnow())")
        return None if value is None else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


_JSON = JSON().with_variant(JSONB(), "postgresql")
_WHEN = UTCDateTime()


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: _JSON, list[Any]: _JSON, dt.datetime: _WHEN}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Device(Base):
    """A tablet or machine client of the JSON API; its bearer token is stored only as a hash."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class Questionnaire(Base):
    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(back_populates="questionnaire",
                                                               order_by="QuestionnaireVersion.id")


class QuestionnaireVersion(Base):
    """One published content of a questionnaire, never changed after it is stored."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "content_hash", name="uq_version_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    label: Mapped[str] = mapped_column(String(60))
    title: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text, deferred=True)  # large; loaded only to build the instrument
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")


class Campaign(Base):
    """A survey wave: one questionnaire version, enabled modes, a period, sites and targets."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    modes: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.OPEN.value)
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[QuestionnaireVersion] = relationship()
    sites: Mapped[list[Site]] = relationship(back_populates="campaign", order_by="Site.code")


class Site(Base):
    """A service window or location where a campaign collects answers."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("campaign_id", "code", name="uq_site_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))

    campaign: Mapped[Campaign] = relationship(back_populates="sites")


class Invitation(Base):
    """A personal, single-use link; only the SHA-256 of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.PENDING.value)
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]

    campaign: Mapped[Campaign] = relationship()
    site: Mapped[Site | None] = relationship()


class InvitationContact(Base):
    """Personal data of an invitation (name, address, phone), kept apart from any answers."""

    __tablename__ = "invitation_contacts"

    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))


class FrameContact(Base):
    """Contact data of a sampling-frame unit, kept apart from answers and analysis files."""

    __tablename__ = "frame_contacts"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_key", name="uq_frame_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_key: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))


class Response(Base):
    """One interview or online answer set, stored once per client UUID (DB-enforced)."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_campaign_status", "campaign_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    mode: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]]
    paradata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    repeat_suspected: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    #: The assigned household/enterprise interviewed (household mode).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("field_units.id"))
    #: Within-household selection: method, eligible members, member chosen, probability.
    selection: Mapped[dict[str, Any] | None]
    review_reason: Mapped[str | None] = mapped_column(Text)
    backcheck: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Optimistic lock: a review or correction names the version it changes; a stale one is refused.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    campaign: Mapped[Campaign] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    site: Mapped[Site | None] = relationship()
    interviewer: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class ResponsePersonal(Base):
    """Answers that identify the respondent (questions marked ``personal_data``), kept apart
    from the answers: never in exports or analysis files unless explicitly asked for (PIPL)."""

    __tablename__ = "response_personal"

    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), primary_key=True)
    answers: Mapped[dict[str, Any]]


class AuditEntry(Base):
    """Who changed what and when; written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FieldUnit(Base):
    """A sampled household or enterprise assigned to an interviewer (contacts in ``frame_contacts``)."""

    __tablename__ = "field_units"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_key", name="uq_field_unit"),
                      Index("ix_field_units_interviewer", "interviewer_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    unit_key: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(200))
    stratum: Mapped[str | None] = mapped_column(String(120))
    psu: Mapped[str | None] = mapped_column(String(120))
    #: Probability the unit was drawn (from the sample file): the base weight is its inverse.
    inclusion_probability: Mapped[float | None] = mapped_column(Float)
    kish_table: Mapped[str | None] = mapped_column(String(4))
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=UnitStatus.PENDING.value)
    final_disposition: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_call_at: Mapped[dt.datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    interviewer: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class VisitAttempt(Base):
    """One contact attempt at a unit with its AAPOR disposition; stored once per client UUID."""

    __tablename__ = "visit_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("field_units.id"))
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime]
    disposition: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InterceptSlot(Base):
    """One site-day-slot of a campaign's intercept plan (``survey_engine.sampling.intercept``)."""

    __tablename__ = "intercept_slots"
    __table_args__ = (UniqueConstraint("campaign_id", "site_id", "day", "start", name="uq_intercept_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    day: Mapped[dt.date]
    start: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    end: Mapped[str] = mapped_column(String(5))
    expected_visitors: Mapped[int]
    interviews: Mapped[int]
    interval: Mapped[int]
    random_start: Mapped[int]

    site: Mapped[Site] = relationship()


class InterceptTally(Base):
    """A device's running count of visitors passed, refusals and ineligibles in one slot; the
    latest tally per device and slot feeds the intercept base weights."""

    __tablename__ = "intercept_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    day: Mapped[dt.date]
    slot_start: Mapped[str] = mapped_column(String(5))
    passed: Mapped[int]
    refusals: Mapped[int]
    ineligible: Mapped[int]
    device_time: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseStatus(str, Enum):
    """The 好差评 loop (评价-整改-反馈-监督): each step in order; closed after the reply (and re-rating)."""

    OPEN = "open"
    VERIFIED = "verified"
    RECTIFIED = "rectified"
    REPLIED = "replied"
    CLOSED = "closed"


class RatingCase(Base):
    """A bad rating (不满意/非常不满意) to verify, rectify and answer within working-day limits."""

    __tablename__ = "rating_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    rating: Mapped[int]
    rated_at: Mapped[dt.datetime]
    due_verify: Mapped[dt.datetime]
    due_rectify: Mapped[dt.datetime]
    due_reply: Mapped[dt.datetime]
    #: Deadlines beyond the years the official holiday calendar knows are Monday–Friday estimates.
    due_estimated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN.value)
    #: Verification: was the complaint founded (False: e.g. a mistaken or malicious rating)?
    founded: Mapped[bool | None]
    verification: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[dt.datetime | None]
    rectification: Mapped[str | None] = mapped_column(Text)
    rectified_at: Mapped[dt.datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[dt.datetime | None]
    #: SHA-256 of the single-use re-rating link given with the reply.
    rerate_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    rerating: Mapped[int | None]
    rerated_at: Mapped[dt.datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    site: Mapped[Site | None] = relationship()
    response: Mapped[Response] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
