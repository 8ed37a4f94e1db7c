"""Moments as people read them: UTC in the database, the conference's time zone on screen."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_time(value: datetime | None, tz: str = DEFAULT_TIMEZONE, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC timestamp shown in the conference's time zone; empty for no moment."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime(fmt)


def format_due(due: datetime, tz: str) -> str:
    """A due date with its time zone, as the bureau must read it: ``2024-12-20 18:00 Asia/Shanghai``."""
    return f"{local_time(due, tz)} {tz}"
