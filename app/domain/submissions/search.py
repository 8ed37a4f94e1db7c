"""Search over submitted versions with an index that fits Chinese.

Chinese has no spaces between words, so a word index is useless: both
backends index trigrams (runs of three characters) of one column,
``SubmissionVersion.search_text``, written once when the version is taken.
PostgreSQL holds a pg_trgm GIN index on it and answers ``ILIKE``; SQLite keeps
an FTS5 table with the trigram tokenizer (``submission_version_search``, kept
by triggers) and answers ``LIKE`` on it. A query shorter than a trigram (one
or two Chinese characters, common: 湿地, 云南) is answered on PostgreSQL by a
second GIN index, of every character and pair of characters of the column
(``huibian_search_grams``, migration f5a1c3e7b9d2); on SQLite it reads the one
column instead of the index, never every body of every version.
"""
from __future__ import annotations

import sqlalchemy as sa

from sqlalchemy.dialects.postgresql import ARRAY

from app.domain.submissions.bodies.rendering import plain_text
from app.extensions import db
from app.models import Organisation

#: The SQLite FTS5 table over ``submission_version.search_text`` (see the migration).
SQLITE_SEARCH_TABLE = "submission_version_search"
#: PostgreSQL's function of the characters and pairs of characters of a text,
#: indexed over ``submission_version.search_text`` for queries under a trigram.
POSTGRES_GRAMS_FUNCTION = "huibian_search_grams"


def search_text(fields: dict, organisation: Organisation) -> str:
    """The text a version is found by: who sent it and what it says, body without tags.

    ``fields`` are a version's fields (``snapshot_fields``); the bureau's
    names are those it has when the version is taken.
    """
    parts = [fields.get("title", ""), fields.get("subtitle", ""), fields.get("speaker_name", ""),
             fields.get("speaker_post", ""), organisation.name_zh, organisation.name_en,
             fields.get("abstract", ""), plain_text(fields.get("body_html", "") or "")]
    # One line per part: a match never spans the end of a title and the bureau's name.
    return "\n".join(part.strip() for part in parts if part and part.strip())


def matches(version, text: str) -> sa.ColumnElement[bool]:
    """SQL: the version (an alias of ``SubmissionVersion``) contains ``text``, in any case.

    A typed ``%`` or ``_`` is literal, never a wildcard.
    """
    needs_escape = any(c in text for c in "%_\\")
    pattern = "%" + (text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if needs_escape else text) + "%"
    if db.session.get_bind().dialect.name == "sqlite":
        if len(text) < 3:
            # FTS5 finds nothing shorter than a trigram: read the one column instead.
            return version.search_text.like(pattern, escape="\\") if needs_escape else version.search_text.like(pattern)
        # A quoted phrase of trigrams is the text as a substring, any case, every
        # character literal; MATCH reads the index alone (LIKE rechecks each row: 30× slower).
        phrase = '"' + text.replace('"', '""') + '"'
        return version.id.in_(
            sa.select(sa.column("rowid")).select_from(sa.table(SQLITE_SEARCH_TABLE))
            .where(sa.column("search_text").op("MATCH")(phrase))
        )
    # PostgreSQL's LIKE escapes with a backslash by default; pg_trgm serves LIKE and ILIKE.
    # Chinese has no case: LIKE then gives the same rows, and without an index
    # (a query shorter than a trigram) reads the column about three times faster.
    caseless = text.lower() == text.upper()
    found = version.search_text.like(pattern) if caseless else version.search_text.ilike(pattern)
    if len(text) < 3:
        # The trigram index cannot answer this; the index of characters and pairs
        # can (lowercased, as the function lowercases), and LIKE rechecks its few rows.
        grams = getattr(sa.func, POSTGRES_GRAMS_FUNCTION)(version.search_text)
        found = sa.and_(grams.op("@>")(sa.literal([text.lower()], ARRAY(sa.Text))), found)
    return found
