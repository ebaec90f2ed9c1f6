"""Identification use cases on the fakes: searching persons, registering BIS persons with the
duplicate check, and changing a person's data with the notification it causes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from raas.clock import today
from raas.models.errors import (
    InvalidData,
    InvalidSsin,
    NotBisSsin,
    PossibleDuplicates,
    UnknownSsin,
)
from raas.models.persons import Gender, IncompleteDate, Person, PersonStatus
from raas.models.phonetic import Match, make_query
from raas.models.ssin import Register, bis_numbers, register_of
from raas.usecases.identification import (
    register_person,
    search_person_by_ssin,
    search_phonetically,
    update_person,
)
from raas.usecases.register import InscribeItem, inscribe
from tests.fakes import FakeDatabase
from tests.unit.usecases.people import (
    ACTIVE,
    ALICE,
    BIS,
    BOB,
    INVALID,
    OLD,
    RR,
    UNKNOWN,
    world,
)


def test_a_person_is_found_by_ssin_as_the_source_knows_it_replaced_or_not() -> None:
    db = world()
    replaced = search_person_by_ssin(db, OLD)
    assert (replaced.status, replaced.replaced_by) == (PersonStatus.REPLACED, ACTIVE)
    assert search_person_by_ssin(db, ACTIVE).first_name == "Marie-Thérèse"
    with pytest.raises(UnknownSsin):
        search_person_by_ssin(db, UNKNOWN)
    with pytest.raises(InvalidSsin):
        search_person_by_ssin(db, INVALID)


def test_a_phonetic_search_finds_the_active_persons_whose_name_sounds_alike() -> None:
    db = world()
    matches = search_phonetically(db, make_query("Jansens", "1985-03-00", 0))
    assert [m.person.ssin for m in matches] == [ACTIVE]  # not the ssins it replaced
    assert search_phonetically(db, make_query("Peeters", "1985-03-14")) == []


def register(
    db: FakeDatabase,
    last_name: str = "Vermeulen",
    first_name: str = "Sofie",
    born: str = "1990-05-17",
    gender: Gender = Gender.FEMALE,
) -> Person:
    return register_person(db, last_name, first_name, born, gender, "NL")


def test_a_registered_person_gets_a_bis_number_that_carries_birth_date_and_gender() -> None:
    db = world()
    sofie = register(db)
    assert register_of(sofie.ssin) is Register.BIS
    assert sofie.ssin[:6] == "904517"  # the month + 40: the gender is known
    assert int(sofie.ssin[6:9]) % 2 == 0  # even: a woman
    assert search_person_by_ssin(db, sofie.ssin) == sofie
    unknown = register(db, "Dubois", "Camille", "1990-05-00", Gender.UNKNOWN)
    assert unknown.ssin[:6] == "902500"  # + 20: the gender is not known; the day neither


def test_the_same_person_registered_twice_is_refused_with_the_candidates() -> None:
    db = world()
    sofie = register(db)
    with pytest.raises(PossibleDuplicates) as refused:
        register(db, "Vermeulen", "Sophie", "1990-05-18")  # spelled otherwise, a day apart
    (candidate,) = refused.value.candidates
    assert isinstance(candidate, Match) and candidate.person == sofie
    assert len(db.state.persons) == len(world().state.persons) + 1


def test_another_person_born_the_same_day_gets_the_next_free_number() -> None:
    db = world()
    first = register(db)
    second = register(db, "Claes", "Anna")
    assert second.ssin != first.ssin
    assert second.ssin[:6] == first.ssin[:6]
    assert int(second.ssin[6:9]) == int(first.ssin[6:9]) + 2


def test_when_every_bis_number_of_the_birth_date_is_taken_nothing_is_registered() -> None:
    db = world()
    for n, ssin in enumerate(bis_numbers(1990, 5, 17, male=True)):
        db.state.persons[ssin] = Person(
            ssin, Register.BIS, f"Taken{n}", "X", IncompleteDate(1990, 5, 17), Gender.MALE
        )
    before = dict(db.state.persons)
    with pytest.raises(InvalidData) as refused:
        register(db, gender=Gender.MALE)
    assert refused.value.information == {"birthDate": "1990-05-17"}
    assert db.state.persons == before
    assert register(db).ssin  # a woman's numbers are other ones


@pytest.mark.parametrize(
    ("last_name", "first_name", "born", "field"),
    [
        ("Vermeulen", "Sofie", "1899-12-31", "birthDate"),
        ("Vermeulen", "Sofie", (today() + timedelta(1)).isoformat(), "birthDate"),
        ("Vermeulen", "Sofie", "1990-13-01", "birthDate"),
        ("Vermeulen", "Sofie", "1990-00-17", "birthDate"),
        ("Verme\u202eulen", "Sofie", "1990-05-17", "lastName"),
        ("Vermeulen", "", "1990-05-17", "firstName"),
        ("--", "Sofie", "1990-05-17", "lastName"),
        ("V" * 201, "Sofie", "1990-05-17", "lastName"),
    ],
)
def test_data_no_person_can_have_are_refused(
    last_name: str, first_name: str, born: str, field: str
) -> None:
    db = world()
    with pytest.raises(InvalidData) as refused:
        register(db, last_name, first_name, born)
    assert list(refused.value.information) == [field]
    assert db.state.persons == world().state.persons


def update(db: FakeDatabase, ssin: str = BIS, **changes: Any) -> Person:
    person, _ = update_person(db, ssin, changes)
    return person


def test_a_change_of_a_bis_person_is_kept_and_notified_to_the_organisations_holding_it() -> None:
    db = world()
    day = today()
    inscribe(db, ALICE, InscribeItem(BIS, "FAMILY", day - timedelta(30)))
    inscribe(db, BOB, InscribeItem(BIS, "FAMILY", date(2020, 1, 1), date(2020, 12, 31)))
    updated = update(db, lastName="Dubois-Martin", nationality="FR", firstName=None)
    assert (updated.last_name, updated.first_name, updated.nationality) == (
        "Dubois-Martin",
        "Jean",
        "FR",
    )
    assert search_person_by_ssin(db, BIS) == updated
    (event,) = [e for e in db.state.events if e.kind == "IDENTIFICATION_DATA"]
    assert (event.ssin, event.event_date, event.recipients) == (BIS, day, (ALICE.cbe_number,))
    assert event.payload == {
        "lastName": {"old": "Dubois", "new": "Dubois-Martin"},
        "nationality": {"old": None, "new": "FR"},
    }


def test_a_change_that_changes_nothing_writes_nothing() -> None:
    db = world()
    assert update(db, lastName="Dubois", gender="MALE") == search_person_by_ssin(db, BIS)
    assert db.state.events == []
    assert db.commits == 0


def test_only_bis_persons_are_updated_even_through_a_replacement() -> None:
    db = world()
    with pytest.raises(NotBisSsin):
        update(db, RR, lastName="Peters")
    old_bis = bis_numbers(1960, 3, 0, male=True)[5]
    new_bis = bis_numbers(1960, 3, 0, male=True)[6]
    for ssin, successor in ((old_bis, new_bis), (new_bis, RR)):
        db.state.persons[ssin] = Person(
            ssin,
            Register.BIS,
            "Peeters",
            "Luc",
            IncompleteDate(1960, 3),
            Gender.MALE,
            PersonStatus.REPLACED,
            successor,
        )
    with pytest.raises(NotBisSsin):
        update(db, old_bis, lastName="Peters")  # replaced in the end by a national number
    db.state.persons[new_bis] = Person(
        new_bis, Register.BIS, "Peeters", "Luc", IncompleteDate(1960, 3), Gender.MALE
    )
    person, resolved = update_person(db, old_bis, {"lastName": "Peters"})
    assert (person.ssin, person.last_name) == (new_bis, "Peters")
    assert resolved.information() == {"replacedBy": new_bis}
    assert search_person_by_ssin(db, RR).last_name == "Peeters"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deceaseDate": date(1959, 12, 31)}, "deceaseDate"),  # before the birth (1960-03)
        ({"deceaseDate": date(1960, 2, 29)}, "deceaseDate"),
        ({"deceaseDate": today() + timedelta(1)}, "deceaseDate"),
        ({"nationality": "fr"}, "nationality"),
        ({"birthDate": "1960-02-30"}, "birthDate"),
        ({"firstName": "Je\x00an"}, "firstName"),
    ],
)
def test_a_change_no_person_can_have_is_refused(changes: dict[str, Any], field: str) -> None:
    db = world()
    with pytest.raises(InvalidData) as refused:
        update(db, **changes)
    assert list(refused.value.information) == [field]
    assert search_person_by_ssin(db, BIS) == world().state.persons[BIS]


def test_a_decease_within_the_birth_month_is_accepted() -> None:
    assert update(world(), deceaseDate=date(1960, 3, 1)).decease_date == date(1960, 3, 1)
