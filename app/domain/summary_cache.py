"""Whole-conference summaries, counted once per change of the conference and kept in the process.

A summary is kept under ``(its name, the conference, any further key)`` with
the ``Conference.summary_stamp`` it was counted under. Every commit that changes what summaries count gives the
conference a new stamp (``app.models.summary_stamp``), so a page that finds
the stamp it read already known reuses the figures counted for it, and the
first page after a change counts them anew and puts them in the place of
the old: never stale, and counted once per change rather than on every
view. Each process keeps its own (a few hundred conferences' figures, the
least recently used dropped first); a stamp is random, so figures of
another database can never be taken for these.

What a summary holds must depend only on the rows and columns that
``app.models.summary_stamp.COUNTED`` lists, and must not be changed by its
reader (tuples, frozen dataclasses).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from app.extensions import db
from app.models import Conference
from app.models.summary_stamp import changed_conferences

T = TypeVar("T")

#: Summaries kept per process: a name's figures of a conference count once.
CAPACITY = 512

#: (name, conference id, key) → (the stamp they were counted under, the summary).
_kept: OrderedDict[tuple, tuple[str, object]] = OrderedDict()
_lock = threading.Lock()


def summaries(name: str, conferences: Iterable[Conference],
              count: Callable[[list[Conference]], dict[int, T]], *, key: Hashable = ()) -> dict[int, T]:
    """``name``'s summary of each conference, by id: kept ones where the stamp is known, the rest counted.

    ``count`` is given the conferences not known (all at once, to count them
    in the same queries) and answers their summaries by conference id. A
    conference changed by the session's own transaction, not yet committed,
    is counted and not kept: its stamp does not say so yet. ``key`` adds to
    the stamp what the summary also depends on (a time zone's offset).
    """
    found: dict[int, T] = {}
    unknown: list[Conference] = []
    unstamped = changed_conferences(db.session)
    with _lock:
        for conference in conferences:
            kept = _kept.get((name, conference.id, key))
            if kept is not None and kept[0] == conference.summary_stamp and conference.id not in unstamped:
                _kept.move_to_end((name, conference.id, key))
                found[conference.id] = kept[1]
            else:
                unknown.append(conference)
    if unknown:
        counted = count(unknown)
        with _lock:
            for conference in unknown:
                found[conference.id] = counted[conference.id]
                if conference.summary_stamp is not None and conference.id not in unstamped:
                    # One entry per summary of a conference: the figures of an older stamp go as these come.
                    _kept[name, conference.id, key] = (conference.summary_stamp, counted[conference.id])
                    _kept.move_to_end((name, conference.id, key))
            while len(_kept) > CAPACITY:
                _kept.popitem(last=False)
    return found


def forget_all() -> None:
    """Drop every kept summary (the process's memory; the figures are counted again when asked)."""
    with _lock:
        _kept.clear()
