"""Small domain rules: incomplete dates, KBO numbers, type dossier codes, the status table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raas.models import errors
from raas.models.links import DEFAULT_FORMAT
from raas.models.persons import IncompleteDate
from raas.models.type_dossiers import is_valid_code
from raas.models.users import check_username, normalise_cbe_number
from raas.services.status import DESCRIPTIONS, ERROR_CODES, code_of


@pytest.mark.parametrize(
    ("text", "precision"),
    [
        ("1985-03-14", "day"),
        ("1985-03-00", "month"),
        ("1985-00-00", "year"),
    ],
)
def test_incomplete_dates_round_trip(text: str, precision: str) -> None:
    parsed = IncompleteDate.parse(text)
    assert str(parsed) == text and parsed.precision == precision


@pytest.mark.parametrize(
    "text", ["1985-02-30", "1985-13-01", "1985-00-05", "85-03-14", "", "1985-3-4"]
)
def test_impossible_incomplete_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        IncompleteDate.parse(text)


def test_cbe_numbers_are_checked_with_mod_97() -> None:
    assert normalise_cbe_number("0203.201.340") == "0203201340"
    with pytest.raises(ValueError):
        normalise_cbe_number("0203201341")


@given(st.from_regex(r"[A-Za-z0-9_.\-]{1,64}", fullmatch=True))
def test_type_dossier_codes_of_the_contract_alphabet_are_valid(code: str) -> None:
    assert is_valid_code(code)


@pytest.mark.parametrize("code", ["", "a b", "x" * 65, "é", "a/b"])
def test_other_type_dossier_codes_are_refused(code: str) -> None:
    assert not is_valid_code(code)


def test_usernames_refuse_odd_characters() -> None:
    assert check_username("client-a.ocmw@gent") == "client-a.ocmw@gent"
    with pytest.raises(ValueError):
        check_username("robert'); DROP TABLE users;--")


def test_every_domain_error_has_a_documented_code() -> None:
    for cls in errors.DomainError.__subclasses__():
        assert code_of(cls("x")) in DESCRIPTIONS
    assert set(ERROR_CODES.values()) <= set(DESCRIPTIONS)


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("12345", True),
        ("AB-12", True),
        ("ABCDE", False),
        ("1234", False),
        ("", False),
    ],
)
def test_default_foreign_key_format(key: str, accepted: bool) -> None:
    assert DEFAULT_FORMAT.accepts(key) is accepted


# -- person data given with an inscription ------------------------------------------------------


def test_names_are_compared_on_their_letters_and_digits_only() -> None:
    from raas.models.inscriptions import same_name

    assert same_name("  Lefèvre-Dupont ", "LEFEVRE   dupont")
    assert same_name("PetitJean", "Petit-Jean") and same_name("PETIT JEAN", "Petit-Jean")
    assert same_name("Müller", "muller")
    assert same_name("D'Hondt", "Dhondt") and same_name("Vandenbroucke", "Van den Broucke")
    assert not same_name("Petitjan", "Petit-Jean")
    assert not same_name("Dupont", "Dupond")


@pytest.mark.parametrize(
    ("given_date", "source_date", "same"),
    [
        ("1985-03-14", "1985-03-14", True),
        ("1985-03-00", "1985-03-14", True),
        ("1985-00-00", "1985-03-14", True),
        ("1985-03-14", "1985-00-00", True),
        ("1985-03-14", "1985-03-00", True),
        ("1985-03-14", "1985-03-15", False),
        ("1985-04-00", "1985-03-14", False),
        ("1986-00-00", "1985-00-00", False),
    ],
)
def test_birth_dates_are_compared_on_the_parts_both_know(given_date, source_date, same) -> None:
    from raas.models.inscriptions import same_date
    from raas.models.persons import IncompleteDate

    assert same_date(IncompleteDate.parse(given_date), IncompleteDate.parse(source_date)) is same
