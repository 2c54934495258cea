"""`strata usage --since Nd` covers N UTC days ending today, as the usage API's default window does."""

from __future__ import annotations

from datetime import date

from gateway.cli.ops_cmds import since

TODAY = date(2026, 12, 5)


def test_thirty_days_are_thirty_days_ending_today_as_the_apis_default() -> None:
    assert since("30d", TODAY) == date(2026, 11, 6)
    assert since("1d", TODAY) == TODAY
    assert since("2w", TODAY) == date(2026, 11, 22)


def test_a_day_given_is_that_day() -> None:
    assert since("2026-10-01", TODAY) == date(2026, 10, 1)
