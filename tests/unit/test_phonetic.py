"""Phonetic keys and ranking of Belgian surnames, birth-date windows (pure, no database)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import bis

from raas.models.errors import InvalidData
from raas.models.persons import Gender, IncompleteDate, Person
from raas.models.phonetic import (
    SIMILAR,
    forms,
    make_query,
    normalise,
    possible_duplicates,
    rank,
    similarity,
    surname_keys,
)
from raas.models.ssin import Register, bis_numbers
from tests.conftest import ROOT


def _pairs() -> list[tuple[str, str]]:
    with (ROOT / "tests" / "data" / "belgian_names.csv").open(encoding="utf-8") as lines:
        return [(row["query"], row["target"]) for row in csv.DictReader(lines)]


@pytest.mark.parametrize(("query", "target"), _pairs())
def test_labelled_variants_share_a_key_and_are_alike(query: str, target: str) -> None:
    assert surname_keys(query) & surname_keys(target)
    assert similarity(query, target) >= SIMILAR


def test_normalisation_folds_accents_umlauts_and_separators() -> None:
    assert normalise("D'Haese") == ["D", "HAESE"]
    assert normalise("Müller-Lefèvre") == ["MUELLER", "LEFEVRE"]
    assert normalise("  van   den  BROUCKE ") == ["VAN", "DEN", "BROUCKE"]
    assert normalise("Keßler") == ["KESSLER"]


def test_cores_drop_particles_written_apart_or_glued() -> None:
    assert "BROUKE" in forms("Van den Broucke").cores
    assert "BROUKE" in forms("Vandenbroucke").cores
    assert forms("Van den Broucke").full == forms("Vandenbroucke").full
    assert "HASE" in forms("Dhaese").cores
    # no particle is cut where the rest could not start a word
    assert forms("Lambert").cores == frozenset({"LAMBERT"})


@pytest.mark.parametrize(
    ("a", "b"), [("Peeters", "Dubois"), ("Janssens", "Maes"), ("Lemaire", "Lambert")]
)
def test_different_names_are_not_alike(a: str, b: str) -> None:
    assert similarity(a, b) < SIMILAR


def test_the_same_spelling_is_the_best_match() -> None:
    assert similarity("De Smet", "de smet") == 1.0
    assert similarity("De Smet", "Desmet") == 1.0
    assert SIMILAR < similarity("De Smet", "De Smedt") < 1.0


@pytest.mark.parametrize(
    ("born", "tolerance", "first", "last"),
    [
        ("1985-03-14", 3, date(1985, 3, 11), date(1985, 3, 17)),
        ("1985-03-00", 1, date(1985, 2, 1), date(1985, 4, 30)),
        ("1985-01-00", 1, date(1984, 12, 1), date(1985, 2, 28)),
        ("1984-00-00", 1, date(1983, 1, 1), date(1985, 12, 31)),
        ("1984-02-00", 0, date(1984, 2, 1), date(1984, 2, 29)),
    ],
)
def test_tolerance_widens_by_the_dates_precision(born, tolerance, first, last) -> None:
    assert IncompleteDate.parse(born).widened(tolerance) == (first, last)


def test_gap_between_incomplete_dates() -> None:
    march = IncompleteDate(1985, 3)
    assert march.gap_days(IncompleteDate(1985, 3, 20)) == 0
    assert march.gap_days(IncompleteDate(1985, 4, 2)) == 2
    assert IncompleteDate(1985).gap_days(IncompleteDate(1987, 1, 1)) == 366


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"birth_date": "1985-03-00"}, "birthDate"),
        ({"birth_date": "1985-03-14", "tolerance": -1}, "tolerance"),
        ({"birth_date": "1985-03-14", "limit": 0}, "maximumResultCount"),
        ({"birth_date": "1985-03-14", "limit": 101}, "maximumResultCount"),
        ({"birth_date": "0001-01-01", "tolerance": 5}, "tolerance"),
    ],
)
def test_queries_refuse_invalid_criteria(kwargs, field) -> None:
    with pytest.raises(InvalidData) as refused:
        make_query("Peeters", **kwargs)
    assert field in refused.value.information


def _person(ssin: str, last: str, first: str, born: str, gender: Gender = Gender.MALE) -> Person:
    return Person(ssin, Register.RR, last, first, IncompleteDate.parse(born), gender)


def test_rank_prefers_the_name_then_the_date_and_filters_gender_and_window() -> None:
    persons = [
        _person("1", "Peeters", "Jan", "1970-06-15"),
        _person("2", "Pieters", "Jan", "1970-06-15"),
        _person("3", "Peeters", "Jan", "1970-06-17"),
        _person("4", "Peeters", "Marie", "1970-06-15", Gender.FEMALE),
        _person("5", "Peeters", "Jan", "1970-06-20"),  # outside ±3 days
        _person("6", "Dubois", "Jan", "1970-06-15"),  # another name
    ]
    query = make_query("Peeters", "1970-06-15", 3, gender=Gender.MALE)
    # the same name and day; a variant on the same day; the same name two days off (of three)
    assert [m.person.ssin for m in rank(query, persons)] == ["1", "2", "3"]
    assert [m.person.ssin for m in rank(make_query("Peeters", "1970-06-15", 3, "Marie"), persons)][
        0
    ] == "4"
    assert len(rank(make_query("Peeters", "1970-06-15", 3, limit=1), persons)) == 1


def test_duplicates_need_a_similar_first_name() -> None:
    persons = [
        _person("1", "De Smet", "Jan", "1970-06-15"),
        _person("2", "Desmet", "Piet", "1970-06-15"),
    ]
    query = make_query("De Smedt", "1970-06-15", 1, "Jan", limit=50)
    assert [m.person.ssin for m in possible_duplicates(query, persons)] == ["1"]


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    st.sampled_from(["day", "month", "year"]),
    st.sampled_from([True, False, None]),
)
def test_every_bis_number_offered_is_valid_and_says_the_gender(born, precision, male) -> None:
    month = 0 if precision == "year" else born.month
    day = born.day if precision == "day" else 0
    numbers = bis_numbers(born.year, month, day, male=male)
    assert len(set(numbers)) == len(numbers) == (998 if male is None else 499)
    for ssin in numbers[:3] + numbers[-3:]:
        assert bis.is_valid(ssin)
        assert int(ssin[2:4]) == month + (20 if male is None else 40)
        if male is not None:
            assert int(ssin[6:9]) % 2 == (1 if male else 0)
