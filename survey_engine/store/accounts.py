"""People and devices: users with roles and hashed passwords, API tokens stored as hashes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey_engine.store.audit import record
from survey_engine.store.models import Device, Role, User

__all__ = ["create_user", "authenticate", "create_device", "device_for_token", "token_hash", "new_token"]


def token_hash(token: str) -> str:
    """SHA-256 of a secret token: tokens are random (256 bits), so a plain hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def create_user(session: Session, username: str, password: str, role: Role | str, *,
                by: int | None = None) -> User:
    user = User(username=username.strip(), password_hash=generate_password_hash(password), role=Role(role).value)
    session.add(user)
    session.flush()
    record(session, "create", "user", user.id, user_id=by, details={"username": user.username, "role": user.role})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def create_device(session: Session, name: str, *, user: User | None = None, by: int | None = None,
                  ) -> tuple[Device, str]:
    """A new API device; the returned token is shown once and only its hash is kept."""
    token = new_token()
    device = Device(name=name, token_hash=token_hash(token), user=user)
    session.add(device)
    session.flush()
    record(session, "create", "device", device.id, user_id=by, details={"name": name})
    return device, token


def device_for_token(session: Session, token: str) -> Device | None:
    device = session.scalar(select(Device).where(Device.token_hash == token_hash(token)))
    return device if device is not None and device.active else None
