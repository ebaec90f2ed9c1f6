"""The synthetic person generator: valid, unique, deterministic ssins and realistic names."""

from __future__ import annotations

from collections import Counter
from itertools import islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import bis, nn

from raas.models.persons import Gender, Person, PersonStatus
from raas.models.ssin import Register, register_of
from raas.models.synthetic import FIRST_YEAR, LAST_YEAR, generate_persons

SAMPLE = 50_000
seeds = st.integers(min_value=0, max_value=2**64)


@pytest.fixture(scope="module")
def persons() -> list[Person]:
    """A sample large enough to hold every kind of person the generator makes."""
    return list(generate_persons(SAMPLE, seed=2024))


def _born_after_1999(ssin: str) -> bool:
    """True when the check digits were computed with the 2 in front (birth from 2000 on)."""
    return 97 - int(ssin[:9]) % 97 != int(ssin[9:])


def _month_field(ssin: str) -> int:
    """The month digits of an ssin, BIS offset included."""
    return int(ssin[2:4])


def test_every_ssin_validates_in_its_own_register(persons: list[Person]) -> None:
    for person in persons:
        if person.register is Register.RR:
            assert nn.is_valid(person.ssin) and not bis.is_valid(person.ssin), person
        else:
            assert bis.is_valid(person.ssin) and not nn.is_valid(person.ssin), person
        assert register_of(person.ssin) is person.register


@settings(max_examples=60, deadline=None)
@given(seed=seeds, count=st.integers(min_value=0, max_value=400))
def test_any_seed_gives_count_valid_unique_persons(seed: int, count: int) -> None:
    generated = list(generate_persons(count, seed))
    assert len(generated) == count
    assert len({person.ssin for person in generated}) == count
    assert all(register_of(person.ssin) is person.register for person in generated)


@settings(max_examples=30, deadline=None)
@given(seed=seeds, count=st.integers(min_value=1, max_value=200))
def test_same_seed_same_persons_and_longer_runs_extend_shorter_ones(seed: int, count: int) -> None:
    first = list(generate_persons(count, seed))
    assert list(generate_persons(count, seed)) == first
    assert list(islice(generate_persons(count + 50, seed), count)) == first


def test_different_seeds_give_different_persons() -> None:
    assert list(generate_persons(20, 1)) != list(generate_persons(20, 2))


def test_ssins_are_unique_in_a_large_run(persons: list[Person]) -> None:
    assert len({person.ssin for person in persons}) == len(persons)


def test_a_one_digit_change_breaks_the_ssin(persons: list[Person]) -> None:
    # mod 97 catches every single-digit change within one century; a change can only survive
    # when it happens to fit the other century's check digits (births in 1926 or after 1999).
    for person in persons[:1_500]:
        for position in range(11):
            for digit in "0123456789":
                if digit == person.ssin[position]:
                    continue
                changed = person.ssin[:position] + digit + person.ssin[position + 1 :]
                if register_of(changed) is not None:
                    assert _born_after_1999(changed) != _born_after_1999(person.ssin), changed


def test_ssin_encodes_the_birth_date_and_century(persons: list[Person]) -> None:
    for person in persons:
        born = person.birth_date
        offset = 0 if person.register is Register.RR else _month_field(person.ssin) // 20 * 20
        assert person.ssin[:2] == f"{born.year % 100:02d}"
        assert _month_field(person.ssin) - offset == born.month
        assert int(person.ssin[4:6]) == born.day
        assert _born_after_1999(person.ssin) == (born.year >= 2000)
        assert FIRST_YEAR <= born.year <= LAST_YEAR


def test_bis_month_offset_follows_whether_the_gender_is_known(persons: list[Person]) -> None:
    bis_persons = [person for person in persons if person.register is Register.BIS]
    assert 0.08 < len(bis_persons) / len(persons) < 0.12
    for person in bis_persons:
        if person.gender is Gender.UNKNOWN:
            assert 20 <= _month_field(person.ssin) <= 32, person
        else:
            assert 40 <= _month_field(person.ssin) <= 52, person
    assert {person.gender for person in bis_persons} == set(Gender)


def test_national_register_persons_have_a_known_gender(persons: list[Person]) -> None:
    rr_persons = [person for person in persons if person.register is Register.RR]
    assert {person.gender for person in rr_persons} == {Gender.MALE, Gender.FEMALE}
    assert all(0 <= _month_field(person.ssin) <= 12 for person in rr_persons)


def test_sequence_is_odd_for_men_and_even_for_women(persons: list[Person]) -> None:
    for person in persons:
        sequence = int(person.ssin[6:9])
        assert 1 <= sequence <= 998
        if person.gender is Gender.MALE:
            assert sequence % 2 == 1 and nn.get_gender(person.ssin) == "M"
        elif person.gender is Gender.FEMALE:
            assert sequence % 2 == 0 and nn.get_gender(person.ssin) == "F"


def test_both_centuries_are_present(persons: list[Person]) -> None:
    years = [person.birth_date.year for person in persons]
    assert min(years) < 1940 and any(1990 < year < 2000 for year in years)
    assert max(years) > 2015


def test_incomplete_birth_dates_are_present_and_carry_zeros(persons: list[Person]) -> None:
    precisions = Counter(person.birth_date.precision for person in persons)
    assert precisions["year"] > 0 and precisions["month"] > 0
    assert precisions["day"] > 0.95 * len(persons)
    for person in persons:
        if person.birth_date.precision == "year":
            assert person.ssin[2:6] in ("0000", "2000", "4000"), person
        elif person.birth_date.precision == "month":
            assert person.ssin[4:6] == "00" and person.ssin[2:4] not in ("00", "20", "40")


def test_everyone_is_active(persons: list[Person]) -> None:
    assert all(person.status is PersonStatus.ACTIVE for person in persons)
    assert all(person.replaced_by is None for person in persons)


def test_decease_dates_are_rare_and_after_birth(persons: list[Person]) -> None:
    deceased = [person for person in persons if person.decease_date is not None]
    assert 0 < len(deceased) < 0.1 * len(persons)
    assert all(person.decease_date.year >= person.birth_date.year + 60 for person in deceased)


def test_nationality_is_mostly_belgian_in_the_national_register(persons: list[Person]) -> None:
    def belgian_share(register: Register) -> float:
        group = [person for person in persons if person.register is register]
        return sum(person.nationality == "BE" for person in group) / len(group)

    assert belgian_share(Register.RR) > 0.85
    assert belgian_share(Register.BIS) < 0.25
    assert len({person.nationality for person in persons}) >= 8


def test_names_come_from_several_language_groups(persons: list[Person]) -> None:
    surnames = {person.last_name for person in persons}
    assert {"Peeters", "Janssens", "Maes"} <= surnames  # Dutch
    assert {"Dubois", "Lambert", "Dupont"} <= surnames  # French
    assert {"Müller", "Schmitz", "Kohnen"} <= surnames  # German
    assert len(surnames) >= 400


def test_surnames_include_particles_and_spelling_variants(persons: list[Person]) -> None:
    surnames = {person.last_name for person in persons}
    for variants in (
        {"De Smet", "Desmet", "De Smedt"},
        {"Van den Broucke", "Vandenbroucke"},
        {"D'Haese", "Dhaese"},
        {"Lefèvre", "Lefebvre"},
        {"Lemaître", "Lemaire"},
        {"Müller", "Mueller"},
        {"Verhaeghe", "Verhaegen"},
    ):
        assert variants <= surnames
    assert any(name.startswith(("Van ", "Vanden ")) for name in surnames)
    assert any(name.startswith(("Le ", "Du ", "De la ")) for name in surnames)


def test_first_names_depend_on_gender_and_include_compounds(persons: list[Person]) -> None:
    first_names = Counter((person.gender, person.first_name) for person in persons)
    assert (Gender.MALE, "Jean-Pierre") in first_names
    assert (Gender.FEMALE, "Marie-Claire") in first_names
    assert (Gender.FEMALE, "Jean-Pierre") not in first_names
    assert (Gender.MALE, "Marie-Claire") not in first_names


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        list(generate_persons(-1))
