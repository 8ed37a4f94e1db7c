"""Published editions for everyone who took part: the bureaus and the ministry.

An edition stays the editors' own until it is published; from then on every
member of an invited bureau, every reviewer and every editor may read it, and
it stays available when a later edition is published. An unpublished edition
is answered as if it did not exist (404), never as "forbidden".
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.domain.permissions import is_ministry, is_submitter
from app.extensions import db
from app.models import Conference, EditionStatus, Invitation, ProceedingsEdition, User


@dataclass
class ConferenceEditions:
    conference: Conference
    editions: list[ProceedingsEdition]


def _readable(reader: User) -> sa.Select:
    """The published, built editions of the conferences ``reader`` took part in."""
    query = (
        sa.select(ProceedingsEdition, Conference)
        .join(Conference, Conference.id == ProceedingsEdition.conference_id)
        .where(ProceedingsEdition.published_at.is_not(None), ProceedingsEdition.status == EditionStatus.DONE)
    )
    if is_ministry(reader):
        return query
    if is_submitter(reader):
        return query.where(sa.exists().where(
            Invitation.conference_id == Conference.id, Invitation.organisation_id == reader.organisation_id))
    return query.where(sa.false())


def published_for(reader: User) -> list[ConferenceEditions]:
    """Every published edition ``reader`` may download, newest conference and edition first (one query)."""
    rows = db.session.execute(
        _readable(reader).order_by(Conference.starts_on.desc(), Conference.id, ProceedingsEdition.number.desc())
    ).all()
    grouped: dict[int, ConferenceEditions] = {}
    for edition, conference in rows:
        grouped.setdefault(conference.id, ConferenceEditions(conference, [])).editions.append(edition)
    return list(grouped.values())


def published_edition(reader: User, slug: str, number: int) -> tuple[ProceedingsEdition, Conference] | None:
    """The published edition ``number`` of conference ``slug`` and its conference, if ``reader`` may download it."""
    row = db.session.execute(
        _readable(reader).where(Conference.slug == slug, ProceedingsEdition.number == number)
    ).first()
    return (row[0], row[1]) if row else None
