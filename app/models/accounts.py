"""People who log in to Huibian."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, enum_column, utcnow
from app.models.conference import Organisation


class Role(enum.Enum):
    SUBMITTER = "submitter"  # staff of one provincial bureau
    REVIEWER = "reviewer"    # ministry staff who decide on submissions
    EDITOR = "editor"        # ministry staff who run the conference
    ADMIN = "admin"          # accounts and system settings


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    # Indexed: a bureau's members are looked up for each row of the coverage page and for every notice.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator or editor chose the password: its owner must
    # choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Part of the login cookie: rotating it ends every live session at once
    # (logout, password change, disabling the account), on every web host.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        # A submitter always speaks for exactly one bureau; ministry roles for none.
        sa.CheckConstraint(
            "(role = 'submitter') = (organisation_id IS NOT NULL)",
            name="submitter_has_organisation",
        ),
    )

    # Flask-Login protocol, spelled out instead of UserMixin so that the
    # cookie carries the session token and a disabled account is inactive.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"
