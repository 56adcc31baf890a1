"""Online answering in steps: a draft response is saved page by page, then completed once.

While a response is a draft its ``answers`` hold the raw page answers (as typed by the
respondent); completing replaces them with the answer engine's cleaned answers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey_engine.store.accounts import new_token, token_hash
from survey_engine.store.audit import record
from survey_engine.store.models import (
    Campaign, Invitation, InvitationContact, InvitationStatus, Response, ResponsePersonal, ResponseStatus, Site,
    utcnow,
)
from survey_engine.store.responses import fingerprint

__all__ = ["InvitationTaken", "start_draft", "save_draft", "complete_draft", "create_invitation", "invitation_for_token"]


def start_draft(session: Session, campaign: Campaign, *, site: Site | None, language: str, mode: str = "online",
                repeat_suspected: bool = False, invitation: Invitation | None = None,
                paradata: Mapping[str, Any] | None = None) -> Response:
    client_uuid = str(uuid.uuid4())
    response = Response(client_uuid=client_uuid, fingerprint=hashlib.sha256(client_uuid.encode()).hexdigest(),
                        campaign_id=campaign.id, version_id=campaign.version_id, mode=mode,
                        site_id=site.id if site else None, language=language, status=ResponseStatus.DRAFT.value,
                        answers={}, paradata={"start_time": utcnow().isoformat(), **(paradata or {})},
                        repeat_suspected=repeat_suspected)
    session.add(response)
    session.flush()
    if invitation is not None:
        _claim(session, invitation, response.id)
    record(session, "start", "response", response.id, details={"uuid": client_uuid, "mode": mode})
    return response


class InvitationTaken(Exception):
    """Another browser started this invitation's draft first (the caller resumes that one)."""


def _claim(session: Session, invitation: Invitation, response_id: int) -> None:
    """Link the draft to the invitation only if no draft is linked yet: one conditional UPDATE, so
    browsers opening the same link at once cannot each start (and later complete) a response."""
    claimed = session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.response_id.is_(None))
        .values(response_id=response_id, status=InvitationStatus.STARTED.value)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvitationTaken(invitation.id)
    invitation.response_id, invitation.status = response_id, InvitationStatus.STARTED.value
    session.flush()


def save_draft(response: Response, page_fields: tuple[str, ...], raw: Mapping[str, Any], language: str) -> None:
    """Replace the answers of one page (cleared fields are removed) in a draft."""
    kept = {k: v for k, v in response.answers.items() if k not in page_fields}
    response.answers = {**kept, **raw}
    response.language = language


def complete_draft(session: Session, response: Response, answers: Mapping[str, Any],
                   invitation: Invitation | None = None, personal: Mapping[str, Any] | None = None) -> None:
    """Mark a draft complete; identifying answers (``personal``) move to their own table."""
    now = utcnow()
    response.answers = dict(answers)
    if personal:
        session.add(ResponsePersonal(response_id=response.id, answers=dict(personal)))
    response.status = ResponseStatus.COMPLETE.value
    response.submitted_at = now
    response.paradata = {**response.paradata, "end_time": now.isoformat()}
    response.fingerprint = fingerprint({"answers": response.answers, "uuid": response.client_uuid})
    if invitation is not None:
        invitation.status = InvitationStatus.COMPLETED.value
        invitation.used_at = now
    record(session, "complete", "response", response.id, details={"uuid": response.client_uuid})


def create_invitation(session: Session, campaign: Campaign, *, site: Site | None = None,
                      contact: Mapping[str, str | None] | None = None, by: int | None = None,
                      ) -> tuple[Invitation, str]:
    """A personal single-use link; the token is returned once, only its hash is stored."""
    token = new_token()
    invitation = Invitation(campaign_id=campaign.id, site_id=site.id if site else None, token_hash=token_hash(token))
    session.add(invitation)
    session.flush()
    if contact:
        session.add(InvitationContact(invitation_id=invitation.id, **dict(contact)))
    record(session, "create", "invitation", invitation.id, user_id=by)
    return invitation, token


def invitation_for_token(session: Session, token: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
