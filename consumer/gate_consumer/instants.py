"""Instants as the metadata stores them: UTC, second precision, ``YYYY-MM-DDTHH:MM:SSZ``; and
the one place the code reads the wall clock (:func:`utc_now`).

One textual form keeps files byte-stable and makes string order equal time order. Everything
that depends on "now" takes it as a parameter (``at=``, ``now=``) and only falls back to
:func:`utc_now` when none is given, so a test or a replay can always name its instant.
Part of the kernel the refresher shares with the consumer.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

__all__ = ["TIME_RANGE", "as_instant", "format_instant", "parse_date", "parse_instant", "utc_now"]

#: A daily window, ``HH:MM-HH:MM`` (an end at or before the start runs past midnight): the hours
#: of an off-peak price. One definition for the schema, the adapters and the consumer's check.
TIME_RANGE = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant (``Z`` or an offset, or a bare date) into an aware UTC datetime.

    Raises ``ValueError`` for anything else, including naive date-times: an instant without
    a zone is ambiguous and never written by this project.
    """
    if len(text) == 10:
        return datetime.combine(parse_date(text), datetime.min.time(), tzinfo=timezone.utc)
    value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        raise ValueError(f"instant {text!r} has no time zone")
    return value.astimezone(timezone.utc)


def parse_date(text: str) -> date:
    """Parse exactly ``YYYY-MM-DD`` (what Python 3.10's ``date.fromisoformat`` accepts)."""
    if len(text) != 10:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD")
    return date.fromisoformat(text)


def as_instant(value: datetime | str | None) -> datetime | None:
    """``value`` as an aware instant: ISO-8601 text parsed, a naive datetime read as UTC."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        return parse_instant(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc)
    raise TypeError(f"expected a datetime or ISO-8601 text, got {type(value).__name__}")


def format_instant(value: datetime) -> str:
    """The canonical text of an instant: UTC, whole seconds, trailing ``Z``."""
    if value.tzinfo is None:
        raise ValueError("refusing to format a naive datetime as an instant")
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    """The wall clock, aware and in UTC: the default of every ``at=`` / ``now=``."""
    return datetime.now(timezone.utc)
