"""Dates as ISO strings: parsing, calendar arithmetic, and the evaluation clock.

Dates are plain strings ``YYYY-MM-DD`` (years 0001-9999, proleptic Gregorian calendar), so
they compare correctly as strings and need no extra type in the JavaScript port.  A date
argument may also be a date-time ``YYYY-MM-DDTHH:MM`` or ``YYYY-MM-DDTHH:MM:SS`` (what
``now()`` returns); its time part is checked and then ignored.
"""

from __future__ import annotations

import datetime as dt
import re

from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail

__all__ = ["parse_date", "format_date", "completed_years", "resolve_clock"]

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?")


def parse_date(text: str, what: str, position: int) -> dt.date:
    """The calendar date written by ``text``; INVALID_DATE if it is not a real ISO date."""
    match = _ISO.fullmatch(text)
    if match is not None:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
    fail(Code.INVALID_DATE, position,
         f"{what} is '{text[:40]}', which is not a valid date; write 'YYYY-MM-DD' (years 0001-9999)")


def format_date(value: dt.date) -> str:
    """``YYYY-MM-DD`` with a four-digit year."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def completed_years(birth: dt.date, on: dt.date) -> int:
    """Age in completed years on ``on``: the year difference, minus one while the birthday
    (month, day) has not yet been reached; someone born on 29 February turns a year older on
    1 March in common years.  Negative when ``on`` precedes ``birth``."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def resolve_clock(now: object) -> dt.datetime:
    """The wall-clock time ``today()``/``now()`` read: the ``now`` given to evaluate (a
    datetime, a date, or an ISO string) with any time-zone offset dropped, or the local
    clock when ``now`` is None."""
    if now is None:
        return dt.datetime.now().replace(microsecond=0)
    if isinstance(now, dt.datetime):
        return now.replace(tzinfo=None, microsecond=0)
    if isinstance(now, dt.date):
        return dt.datetime(now.year, now.month, now.day)
    if isinstance(now, str):
        try:
            return dt.datetime.fromisoformat(now).replace(tzinfo=None, microsecond=0)
        except ValueError:
            pass
    fail(Code.UNSUPPORTED_VALUE, None,
         f"now={now!r:.60} is not a datetime, a date or an ISO date/date-time string")
