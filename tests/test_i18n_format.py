"""i18n's dates, numbers and plurals, in English and in French."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from biosphere_tui.i18n import day, number, plural, set_language

NNBSP = "\u202f"


@pytest.fixture
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("en")


def test_english_dates_are_the_strftime_ones() -> None:
    for d in (date(2026, 12, 5), date(2027, 1, 12), datetime(2026, 5, 31, 23, 59)):
        assert day(d) == f"{d:%d %b}"
        assert day(d, year=True) == f"{d:%d %b %Y}"
        assert day(d, year=True, padded=False) == f"{d.day} {d:%b %Y}"


def test_french_dates(french: None) -> None:
    assert day(date(2026, 12, 5)) == "5 déc."
    assert day(date(2027, 1, 12), year=True) == "12 janv. 2027"
    assert [day(date(2026, m, 1)) for m in (2, 3, 5, 6, 7, 8, 9)] == \
        ["1 févr.", "1 mars", "1 mai", "1 juin", "1 juil.", "1 août", "1 sept."]


def test_english_numbers_group_with_commas() -> None:
    assert number(2860) == "2,860" and number(1234567.0) == "1,234,567" and number(12) == "12"
    assert number(1234.56, 1, sign=True) == "+1,234.6" and number(-0.8, 1, sign=True) == "-0.8"


def test_french_numbers_group_with_a_narrow_no_break_space(french: None) -> None:
    assert number(2860) == f"2{NNBSP}860" and number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert number(1234.56, 1, sign=True) == f"+1{NNBSP}234,6" and number(0.8, 1) == "0,8"


def test_english_plural_is_singular_for_one_only() -> None:
    assert [plural(n, "{n} day", "{n} days") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]


def test_french_plural_is_singular_for_zero_and_one(french: None) -> None:
    assert [plural(n, "{n} day", "{n} days") for n in (0, 1, 2)] == ["0 jour", "1 jour", "2 jours"]
