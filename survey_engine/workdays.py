"""Working-day deadlines in mainland China, for the 好差评 case loop (评价-整改-反馈-监督).

A deadline of "N working days" skips weekends and official public holidays, and counts the
weekend days the State Council turns into working days (调休).  The official calendar comes
from the ``chinese-calendar`` package, which knows each year once the State Council has
published its holiday notice.  For a day outside the years the package knows, the count falls
back to plain Monday–Friday and the result says so (``estimated=True`` with the years
concerned) so the caller can show "deadline estimated"; it never fails.  An office may add its
own closing days and working days (``WorkCalendar``).

Counting follows the usual rule for time limits in Chinese administrative law: the day a
period starts on is not counted, and a deadline runs to the end of its last day.  Pure module:
no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar.constants import holidays as _OFFICIAL_HOLIDAYS

from survey_engine.errors import SurveyEngineError

__all__ = [
    "CHINA", "CaseDeadlines", "CalendarError", "CalendarErrorCode", "Deadline", "DayCount", "WorkCalendar",
    "add_working_days", "working_days_between", "is_overdue", "known_years",
]

CHINA = ZoneInfo("Asia/Shanghai")


class CalendarErrorCode(Enum):
    NEGATIVE_DAYS = "negative_days"
    CONFLICTING_DAYS = "conflicting_days"


class CalendarError(SurveyEngineError, ValueError):
    """A working-day calendar or request is inconsistent; ``code`` says how."""


@functools.cache
def known_years() -> range:
    """The years whose official holidays and adjusted working days ``chinese-calendar`` knows."""
    years = [day.year for day in _OFFICIAL_HOLIDAYS]
    return range(min(years), max(years) + 1)


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The official calendar, plus an office's own closing days and extra working days."""

    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = sorted(self.extra_holidays & self.extra_workdays)
        if both:
            raise CalendarError(f"extra_holidays and extra_workdays both list {[d.isoformat() for d in both]}; "
                                "keep each date in one of them", CalendarErrorCode.CONFLICTING_DAYS)

    @classmethod
    def of(cls, holidays: Iterable[dt.date] = (), workdays: Iterable[dt.date] = ()) -> WorkCalendar:
        return cls(frozenset(holidays), frozenset(workdays))

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is it a working day, was it estimated as Mon–Fri because the year is not known)."""
        if day in self.extra_holidays:
            return False, False
        if day in self.extra_workdays:
            return True, False
        if day.year in known_years():
            return chinese_calendar.is_workday(day), False
        return day.weekday() < 5, True


OFFICIAL = WorkCalendar()


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a time limit runs out: the end of ``due_date`` (``due``, in China time when the start was aware)."""

    due_date: dt.date
    due: dt.datetime
    estimated: bool = False
    """Some day was counted as plain Mon–Fri: the year is beyond the official calendar known here."""
    estimated_years: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DayCount:
    """Working days between two moments; ``estimated`` as in ``Deadline``."""

    days: int
    estimated: bool = False
    estimated_years: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseDeadlines:
    """Time limits, in working days counted from the bad rating (差评), for each step of a case.

    Sources.  国办发〔2019〕51号 (国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见)
    requires every bad rating to be verified (核实), rectified (整改) and answered (反馈) —
    immediately when the matter is clear, within a set limit when it is complex, 100% return
    visits for real-name bad ratings — and GB/T 39734-2020 clause 9.3 (差评处置) describes the
    handling; in the texts we could check, neither fixes a number of days, which each locality
    sets.  Local rules use, for example:

    * 15 working days to rectify "不满意/非常不满意" ratings (a Sichuan city, 2020: "在15个工作日内整改到位");
    * 5 working days to rectify and reply (德州 2020 working plan: "应于5个工作日内整改反馈");
    * 1 working day to contact the rater and verify (汝州 人社局 "123" rule).

    The defaults take the common longer limit (15 days to rectify and to reply) and a one-day
    verification; set the office's own values (e.g. ``CaseDeadlines(verify=1, rectify=5, reply=5)``).
    Every limit runs from the rating, not from the previous step.  Sources and links:
    ``docs/ratings-loop.md``.
    """

    verify: int = 1
    rectify: int = 15
    reply: int = 15

    def __post_init__(self) -> None:
        for name in ("verify", "rectify", "reply"):
            if getattr(self, name) < 0:
                raise CalendarError(f"CaseDeadlines.{name} is {getattr(self, name)}; a limit is 0 or more "
                                    "working days", CalendarErrorCode.NEGATIVE_DAYS)


def _local(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return (moment.astimezone(CHINA) if moment.tzinfo else moment).date()
    return moment


def add_working_days(start: dt.datetime | dt.date, days: int, calendar: WorkCalendar = OFFICIAL) -> Deadline:
    """The deadline ``days`` working days after ``start`` (the start day itself not counted).

    With ``days=0`` the deadline is the end of the start day.  An aware ``start`` is read in
    China time and the deadline is returned in China time.
    """
    if days < 0:
        raise CalendarError(f"days is {days}; count 0 or more working days", CalendarErrorCode.NEGATIVE_DAYS)
    day = _local(start)
    estimated: set[int] = set()
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        working, guessed = calendar.is_workday(day)
        if guessed:
            estimated.add(day.year)
        remaining -= working
    aware = isinstance(start, dt.datetime) and start.tzinfo is not None
    due = dt.datetime.combine(day, dt.time.max, tzinfo=CHINA if aware else None)
    return Deadline(day, due, bool(estimated), tuple(sorted(estimated)))


def working_days_between(start: dt.datetime | dt.date, end: dt.datetime | dt.date,
                         calendar: WorkCalendar = OFFICIAL) -> DayCount:
    """Working days after ``start``'s day up to and including ``end``'s day (negative when end is earlier).

    ``working_days_between(s, add_working_days(s, n).due)`` is ``n``.
    """
    first, last = _local(start), _local(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count, estimated = 0, set()
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        working, guessed = calendar.is_workday(day)
        if guessed:
            estimated.add(day.year)
        count += working
    return DayCount(sign * count, bool(estimated), tuple(sorted(estimated)))


def is_overdue(deadline: Deadline, now: dt.datetime, done_at: dt.datetime | None = None) -> bool:
    """A step is overdue when it was done after its deadline, or is still open past it.

    ``now`` and ``done_at`` must be aware when the deadline is (as stored datetimes are).
    """
    moment = done_at if done_at is not None else now
    if deadline.due.tzinfo is None and moment.tzinfo is not None:
        moment = moment.astimezone(CHINA).replace(tzinfo=None)
    return moment > deadline.due
