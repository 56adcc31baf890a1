"""Working-day deadlines over weekends, official holidays, adjusted working days (调休), unknown years.

Holiday dates: State Council notices on the 2025 and 2026 public holidays (as held by the
``chinese-calendar`` package): Spring Festival 2025 Jan 28–Feb 4 with working Sun Jan 26 and
Sat Feb 8; National Day 2025 Oct 1–8 with working Sat Oct 11; Spring Festival 2026 Feb 15–23
with working Sat Feb 14 and Sat Feb 28; National Day 2026 Oct 1–7 with working Sat Oct 10.
"""

from __future__ import annotations

import datetime as dt

import pytest

from survey_engine.workdays import (
    CHINA, CalendarError, CalendarErrorCode, CaseDeadlines, WorkCalendar, add_working_days, is_overdue, known_years,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(("start", "days", "due"), [
    (D(2025, 3, 7), 1, D(2025, 3, 10)),     # Friday → Monday
    (D(2025, 3, 8), 1, D(2025, 3, 10)),     # a rating on Saturday counts from Monday
    (D(2025, 3, 7), 5, D(2025, 3, 14)),
    (D(2025, 3, 7), 0, D(2025, 3, 7)),
    (D(2025, 1, 24), 1, D(2025, 1, 26)),    # the adjusted working Sunday before the Spring Festival
    (D(2025, 1, 27), 5, D(2025, 2, 10)),    # over the Spring Festival, counting working Sat Feb 8
    (D(2025, 9, 30), 3, D(2025, 10, 11)),   # over National Day to the working Saturday
    (D(2026, 2, 13), 1, D(2026, 2, 14)),    # working Saturday before the 2026 Spring Festival
    (D(2026, 2, 13), 15, D(2026, 3, 12)),   # the 15-day rectification limit across the holiday
    (D(2026, 9, 30), 3, D(2026, 10, 10)),   # National Day 2026 to the working Saturday
])
def test_deadlines_follow_the_official_calendar(start, days, due):
    """N working days skip weekends and holidays and count adjusted working weekends."""
    deadline = add_working_days(start, days)
    assert deadline.due_date == due and not deadline.estimated
    assert working_days_between(start, due).days == days


def test_deadline_runs_to_the_end_of_its_day_in_china_time():
    """An aware start is read in China time (01:00 Sunday Jan 26 in Beijing, not Saturday in UTC)."""
    start = dt.datetime(2025, 1, 25, 17, 0, tzinfo=dt.UTC)
    deadline = add_working_days(start, 1)
    assert deadline.due_date == D(2025, 1, 27)
    assert deadline.due == dt.datetime(2025, 1, 27, 23, 59, 59, 999999, tzinfo=CHINA)
    naive = add_working_days(dt.datetime(2025, 1, 25, 17, 0), 1)
    assert naive.due_date == D(2025, 1, 26) and naive.due.tzinfo is None


def test_overdue_only_after_the_last_day():
    """A step done on its last day is on time; still open the next morning in Beijing, it is overdue."""
    deadline = add_working_days(dt.datetime(2025, 1, 27, 9, 0, tzinfo=CHINA), 5)
    assert not is_overdue(deadline, now=dt.datetime(2025, 2, 10, 23, 0, tzinfo=CHINA))
    assert is_overdue(deadline, now=dt.datetime(2025, 2, 10, 16, 30, tzinfo=dt.UTC))
    assert not is_overdue(deadline, now=dt.datetime(2025, 3, 1, tzinfo=CHINA),
                          done_at=dt.datetime(2025, 2, 10, 8, 0, tzinfo=dt.UTC))
    naive = add_working_days(dt.datetime(2025, 1, 27, 9, 0), 5)
    assert is_overdue(naive, now=dt.datetime(2025, 2, 10, 16, 30, tzinfo=dt.UTC))
    assert not is_overdue(naive, now=dt.datetime(2025, 2, 10, 23, 59))


def test_unknown_years_fall_back_to_monday_to_friday_with_a_flag():
    """Beyond the package's years a deadline is Mon–Fri, marked estimated with the year — never an error."""
    last = known_years()[-1]
    start = D(last, 12, 31)
    deadline = add_working_days(start, 5)
    expected = start
    for _ in range(5):
        expected += dt.timedelta(days=1)
        while expected.weekday() >= 5:
            expected += dt.timedelta(days=1)
    assert deadline.due_date == expected
    assert deadline.estimated and deadline.estimated_years == (last + 1,)
    count = working_days_between(start, expected)
    assert count.days == 5 and count.estimated
    far = add_working_days(D(2040, 6, 1), 2)  # a Friday: Mon Jun 4 and Tue Jun 5
    assert far.due_date == D(2040, 6, 5) and far.estimated_years == (2040,)
    assert not add_working_days(D(last, 3, 2), 3).estimated


def test_office_holidays_and_workdays():
    """An office's own closing day is skipped; its extra working Saturday counts."""
    closed = WorkCalendar.of(holidays=[D(2025, 3, 10)])
    assert add_working_days(D(2025, 3, 7), 1, closed).due_date == D(2025, 3, 11)
    opened = WorkCalendar.of(workdays=[D(2025, 3, 8)])
    assert add_working_days(D(2025, 3, 7), 1, opened).due_date == D(2025, 3, 8)
    future = WorkCalendar.of(holidays=[D(2040, 6, 4)])
    assert add_working_days(D(2040, 6, 1), 2, future).due_date == D(2040, 6, 6)


def test_counting_between_moments():
    """Days are counted after the start day, up to the end day; reversed order gives a negative count."""
    assert working_days_between(D(2025, 3, 7), D(2025, 3, 7)).days == 0
    assert working_days_between(D(2025, 3, 7), D(2025, 3, 9)).days == 0
    assert working_days_between(D(2025, 1, 27), D(2025, 2, 9)).days == 4
    assert working_days_between(D(2025, 3, 14), D(2025, 3, 7)).days == -5


def test_case_deadline_defaults_and_errors():
    """Defaults: verify in 1, rectify and reply in 15 working days; nonsense is a typed error."""
    assert CaseDeadlines() == CaseDeadlines(verify=1, rectify=15, reply=15)
    with pytest.raises(CalendarError) as negative:
        CaseDeadlines(rectify=-1)
    assert negative.value.code is CalendarErrorCode.NEGATIVE_DAYS
    with pytest.raises(CalendarError) as days:
        add_working_days(D(2025, 3, 7), -2)
    assert days.value.code is CalendarErrorCode.NEGATIVE_DAYS
    with pytest.raises(CalendarError) as both:
        WorkCalendar.of(holidays=[D(2025, 3, 8)], workdays=[D(2025, 3, 8)])
    assert both.value.code is CalendarErrorCode.CONFLICTING_DAYS and "2025-03-08" in str(both.value)
