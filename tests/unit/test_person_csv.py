"""Parsing the CSV file of `raas source import`."""

from __future__ import annotations

import pytest

from raas.models.person_csv import parse_persons_csv
from raas.models.persons import Gender, IncompleteDate, PersonStatus
from raas.models.ssin import Register, make_ssin

HEADER = "ssin,lastName,firstName,birthDate,gender,status,replacedBy"
MAN = make_ssin(1985, 7, 30, 33)
WOMAN = make_ssin(2001, 2, 3, 2)
BIS_MAN = make_ssin(1970, 5, 0, 11, month_offset=40)
BIS_UNKNOWN = make_ssin(1962, 0, 0, 8, month_offset=20)


def _parse(*rows: str) -> tuple[list, list[str]]:
    """Parse a file made of HEADER and `rows`."""
    return parse_persons_csv([HEADER, *rows])


def test_a_good_file_gives_every_person() -> None:
    persons, errors = _parse(
        f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,",
        f'{WOMAN},"Van den Broucke",Marie-Claire,2001-02-03,FEMALE,REPLACED,{MAN}',
        f"{BIS_MAN},D'Haese,Ahmed,1970-05-00,MALE,CANCELED,",
        "",
        f"{BIS_UNKNOWN}, Müller , Anna ,1962-00-00,UNKNOWN,ACTIVE,",
    )
    assert errors == []
    assert [person.ssin for person in persons] == [MAN, WOMAN, BIS_MAN, BIS_UNKNOWN]
    assert [person.register for person in persons] == [
        Register.RR,
        Register.RR,
        Register.BIS,
        Register.BIS,
    ]
    man, woman, bis_man, unknown = persons
    assert (man.last_name, man.first_name, man.gender) == ("Peeters", "Jan", Gender.MALE)
    assert woman.status is PersonStatus.REPLACED and woman.replaced_by == MAN
    assert woman.last_name == "Van den Broucke"
    assert bis_man.status is PersonStatus.CANCELED and bis_man.replaced_by is None
    assert bis_man.birth_date == IncompleteDate(1970, 5, 0)
    assert (unknown.last_name, unknown.first_name) == ("Müller", "Anna")
    assert unknown.birth_date == IncompleteDate(1962) and unknown.gender is Gender.UNKNOWN


def test_columns_may_come_in_any_order_after_a_byte_order_mark() -> None:
    persons, errors = parse_persons_csv(
        [
            "\ufeffgender,ssin,status,replacedBy,birthDate,firstName,lastName\n",
            f"FEMALE,{WOMAN},ACTIVE,,2001-02-03,Els,Maes\n",
        ]
    )
    assert errors == []
    assert [(person.ssin, person.last_name) for person in persons] == [(WOMAN, "Maes")]


def test_printed_ssins_are_accepted_and_compacted() -> None:
    printed = f"{MAN[:2]}.{MAN[2:4]}.{MAN[4:6]}-{MAN[6:9]}.{MAN[9:]}"
    persons, errors = _parse(f"{printed},Peeters,Jan,1985-07-30,MALE,ACTIVE,")
    assert errors == [] and persons[0].ssin == MAN


def test_an_empty_status_means_active() -> None:
    persons, errors = _parse(f"{MAN},Peeters,Jan,1985-07-30,MALE,,")
    assert errors == [] and persons[0].status is PersonStatus.ACTIVE


def test_an_empty_file_is_an_error() -> None:
    expected = f"line 1: the file is empty; expected the header {HEADER}"
    assert parse_persons_csv([]) == ([], [expected])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",nationality", "line 1: unknown column 'nationality'"),
        ("ssin,lastName,firstName,birthDate,gender,status", "line 1: missing column 'replacedBy'"),
        (HEADER + ",ssin", "line 1: column 'ssin' appears more than once"),
        ("SSIN;lastName", "line 1: unknown column 'SSIN;lastName'"),
    ],
)
def test_a_wrong_header_is_reported_and_nothing_is_read(header: str, message: str) -> None:
    persons, errors = parse_persons_csv([header, f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,"])
    assert persons == []
    assert message in errors
    assert errors[-1] == f"line 1: the header must be {HEADER}"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("123,Peeters,Jan,1985-07-30,MALE,ACTIVE,", "line 2: ssin 123 is not a valid INSZ"),
        (
            f"{MAN[:-1]}0,Peeters,Jan,1985-07-30,MALE,ACTIVE,",
            f"line 2: ssin {MAN[:-1]}0 is not a valid INSZ",
        ),
        (",Peeters,Jan,1985-07-30,MALE,ACTIVE,", "line 2: ssin is missing"),
        (f"{MAN},,Jan,1985-07-30,MALE,ACTIVE,", "line 2: lastName is missing"),
        (f"{MAN},Peeters,,1985-07-30,MALE,ACTIVE,", "line 2: firstName is missing"),
        (
            f"{MAN},Peeters,Jan,1985-02-30,MALE,ACTIVE,",
            "line 2: birthDate '1985-02-30' is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00",
        ),
        (
            f"{MAN},Peeters,Jan,1985-00-12,MALE,ACTIVE,",
            "line 2: birthDate '1985-00-12' is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00",
        ),
        (
            f"{MAN},Peeters,Jan,30/07/1985,MALE,ACTIVE,",
            "line 2: birthDate '30/07/1985' is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,M,ACTIVE,",
            "line 2: gender 'M' is not one of MALE, FEMALE, UNKNOWN",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,DELETED,",
            "line 2: status 'DELETED' is not one of ACTIVE, REPLACED, CANCELED",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,REPLACED,",
            "line 2: replacedBy is required when status is REPLACED",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,{WOMAN}",
            "line 2: replacedBy must be empty when status is ACTIVE",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,CANCELED,{WOMAN}",
            "line 2: replacedBy must be empty when status is CANCELED",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,REPLACED,99999999999",
            "line 2: replacedBy 99999999999 is not a valid INSZ",
        ),
        (
            f"{MAN},Peeters,Jan,1985-07-30,MALE,REPLACED,{MAN}",
            f"line 2: ssin {MAN} cannot be replaced by itself",
        ),
        (f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE", "line 2: expected 7 fields, found 6"),
        (f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,,", "line 2: expected 7 fields, found 8"),
    ],
)
def test_each_kind_of_error_names_its_line(row: str, message: str) -> None:
    persons, errors = _parse(row)
    assert persons == []
    assert errors == [message]


def test_every_problem_of_a_line_is_reported() -> None:
    _, errors = _parse("123,,Jan,yesterday,X,ACTIVE,")
    assert errors == [
        "line 2: ssin 123 is not a valid INSZ",
        "line 2: lastName is missing",
        "line 2: birthDate 'yesterday' is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00",
        "line 2: gender 'X' is not one of MALE, FEMALE, UNKNOWN",
    ]


def test_a_repeated_ssin_is_an_error() -> None:
    persons, errors = _parse(
        f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,",
        f"{WOMAN},Maes,Els,2001-02-03,FEMALE,ACTIVE,",
        f"{MAN},Pieters,Jan,1985-07-30,MALE,ACTIVE,",
    )
    assert [person.ssin for person in persons] == [MAN, WOMAN]
    assert errors == [f"line 4: ssin {MAN} already given on line 2"]


def test_good_lines_are_kept_and_line_numbers_count_blank_and_multiline_records() -> None:
    persons, errors = parse_persons_csv(
        f"{HEADER}\n"
        f'{MAN},"Peeters\nJanssens",Jan,1985-07-30,MALE,ACTIVE,\n'
        "\n"
        f"{WOMAN},Maes,Els,2001-02-30,FEMALE,ACTIVE,\n"
        f"{BIS_MAN},Rossi,Marco,1970-05-00,MALE,ACTIVE,\n".splitlines(keepends=True)
    )
    # a line break is no part of a name; the record still counts its two lines
    assert [person.ssin for person in persons] == [BIS_MAN]
    assert errors == [
        "line 2: lastName: a name holds no control, invisible formatting or unassigned "
        "characters (here U+000A)",
        "line 5: birthDate '2001-02-30' is not a date YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00",
    ]


def test_names_follow_the_services_rules() -> None:
    persons, errors = _parse(
        f"{MAN},---,Jan,1985-07-30,MALE,ACTIVE,",
        f"{WOMAN},Maes,{'E' * 201},2001-02-03,FEMALE,ACTIVE,",
    )
    assert persons == []
    assert errors == [
        "line 2: lastName: a name holds at least one letter",
        "line 3: firstName: a name has at most 200 characters",
    ]


def test_optional_columns_give_card_numbers_and_an_address() -> None:
    from raas.models.person_csv import parse_numbered_persons_csv
    from raas.models.persons import Address, PersonDetails

    details: list[PersonDetails] = []
    header = HEADER + ",identityCardNumber,postalCode,municipality"
    persons, errors = parse_numbered_persons_csv(
        [header, f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,,591-12,1000,Brussel"], details
    )
    assert errors == [] and len(persons) == 1
    assert details == [PersonDetails(MAN, "591-12", None, Address("150", "1000", "Brussel"))]
    _, errors = parse_numbered_persons_csv(
        [header, f"{MAN},Peeters,Jan,1985-07-30,MALE,ACTIVE,,<x>,1000,Brussel"], details
    )
    assert errors == [
        "line 2: identityCardNumber is not a card number "
        "(up to 32 letters, digits, spaces, dots, dashes)"
    ]
