"""The usage explorer's totals: whole UTC days come from the daily roll-up, the partial days at
either end from the records, and any filter the roll-up does not keep sends it all to the records."""

from __future__ import annotations

from datetime import UTC, date, datetime

from gateway.console.usage_data import Explore, plan_totals


def _at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_whole_days_go_to_the_rollup_and_the_ends_to_the_records() -> None:
    where = Explore(_at(1, 10, 30), _at(5, 8))
    days, raw = plan_totals(where)
    assert days == (date(2026, 3, 2), date(2026, 3, 4))
    assert [(part.start, part.end) for part in raw] == [(_at(1, 10, 30), _at(2)), (_at(5), _at(5, 8))]


def test_a_range_on_midnights_has_no_ends() -> None:
    days, raw = plan_totals(Explore(_at(1), _at(3)))
    assert days == (date(2026, 3, 1), date(2026, 3, 2)) and raw == []


def test_less_than_a_whole_day_is_read_from_the_records() -> None:
    where = Explore(_at(1, 10), _at(2, 9))
    assert plan_totals(where) == (None, [where])


def test_filters_the_rollup_does_not_keep_read_the_records() -> None:
    for where in (Explore(_at(1), _at(9), status="error"), Explore(_at(1), _at(9), surface="bedrock")):
        assert plan_totals(where) == (None, [where])


def test_filters_the_rollup_keeps_are_carried_to_the_ends() -> None:
    _, raw = plan_totals(Explore(_at(1, 12), _at(4, 12), key_id="k", team_id="t", model="m"))
    assert all((part.key_id, part.team_id, part.model) == ("k", "t", "m") for part in raw)
