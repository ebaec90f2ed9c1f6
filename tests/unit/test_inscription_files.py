"""Inscription files: the CSV header, the lines and what makes a line unreadable."""

from __future__ import annotations

import pytest

from raas.models.errors import InvalidData
from raas.models.inscription_files import read_csv


def test_columns_in_any_order_and_the_optional_ones_left_out() -> None:
    (line,) = read_csv(["beginDate,ssin,typeDossier\n", "2025-01-01,85031420121,902\n"])
    assert line.number == 2
    assert line.values == ("85031420121", "902", "2025-01-01", "", "", "", "", "")
    assert line.problem is None and not line.has_person_data


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("8503141230,902,2025-01-01,,,", "ssin"),
        ("85031420121,9 2,2025-01-01,,,", "typeDossier"),
        ("85031420121,902,2025-02-30,,,", "beginDate"),
        ("85031420121,902,2025-01-01,2025-13-01,,", "endDate"),
        ("85031420121,902,2025-01-01,,1985-3-14,", "birthDate"),
        ("85031420121,902,2025-01-01,,,male", "gender"),
        ("85031420121,902,2025-01-01,,", "6 columns"),
    ],
)
def test_a_line_the_schema_would_refuse_says_why(row: str, problem: str) -> None:
    header = "ssin,typeDossier,beginDate,endDate,birthDate,gender\n"
    (line,) = read_csv([header, row + "\n"])
    assert line.problem is not None and problem in line.problem


def test_quoted_names_and_empty_lines() -> None:
    header = "ssin,typeDossier,beginDate,lastName\n"
    lines = list(read_csv([header, "\n", '85031420121,902,2025-01-01,"Peeters, ""Jan"""\n']))
    assert [(line.number, line.values[4], line.has_person_data) for line in lines] == [
        (3, 'Peeters, "Jan"', True)
    ]


@pytest.mark.parametrize("header", ["", "ssin,beginDate\n", "ssin,typeDossier,beginDate,x\n",
                                    "ssin,ssin,typeDossier,beginDate\n"])
def test_a_header_that_is_not_one_is_refused(header: str) -> None:
    with pytest.raises(InvalidData):
        list(read_csv([header] if header else []))
