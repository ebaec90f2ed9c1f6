"""Register.Inscribe, InscribeBatch, Remove and Consult through zeep: codes and period semantics."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import Engine

from raas.clock import today
from raas.persistence.uow import UnitOfWork
from raas.usecases import sourcefeed
from tests.contract.raw_soap import assert_refused, envelope, post
from tests.contract.support import code, information, lines, period
from tests.world import (
    ACTIVE,
    CANCELED,
    CLIENT_CBE,
    MALFORMED,
    MIDDLE,
    OTHER_CBE,
    OTHER_PERSON,
    SUCCESSOR,
    UNKNOWN,
)
from tests.world import REPLACED_TWICE as REPLACED  # replaced by MIDDLE, itself by SUCCESSOR


def test_inscribe_answers_the_lines_now_held(register) -> None:
    answer = register.Inscribe(
        ssin=ACTIVE, typeDossier="902", period=period("2024-01-01", "2024-06-30")
    )
    assert code(answer) == ("OK", "MSG00000")
    assert lines(answer) == [(ACTIVE, "902", "2024-01-01", "2024-06-30")]
    assert answer.informationCBSS.ticketCBSS


# -- merging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            ("2024-01-15", "2024-02-15"), [("2024-01-01", "2024-02-15")], id="overlapping"
        ),
        pytest.param(("2024-02-01", "2024-02-29"), [("2024-01-01", "2024-02-29")], id="touching"),
        pytest.param(
            ("2023-12-01", "2023-12-31"), [("2023-12-01", "2024-01-31")], id="touching-before"
        ),
        pytest.param(("2024-01-10", "2024-01-20"), [("2024-01-01", "2024-01-31")], id="contained"),
        pytest.param(("2023-06-01", "2024-12-31"), [("2023-06-01", "2024-12-31")], id="containing"),
        pytest.param(("2024-01-20", None), [("2024-01-01", None)], id="open-ended"),
        pytest.param(("2024-02-01", None), [("2024-01-01", None)], id="open-ended-touching"),
        pytest.param(
            ("2024-02-02", "2024-02-10"),
            [("2024-01-01", "2024-01-31"), ("2024-02-02", "2024-02-10")],
            id="2-day-gap-keeps-two-lines",
        ),
        pytest.param(
            ("2023-12-20", "2023-12-30"),
            [("2023-12-20", "2023-12-30"), ("2024-01-01", "2024-01-31")],
            id="gap-before",
        ),
    ],
)
def test_inscribe_merges_overlapping_and_touching_periods(register, new, expected) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="902", period=period("2024-01-01", "2024-01-31"))
    answer = register.Inscribe(ssin=ACTIVE, typeDossier="902", period=period(*new))
    assert code(answer) == ("OK", "MSG00000")
    assert lines(answer) == [(ACTIVE, "902", b, e) for b, e in expected]
    assert lines(register.Consult(ssin=ACTIVE)) == lines(answer)


def test_a_period_bridging_two_lines_makes_one(register) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-03-01", "2024-03-31"))
    answer = register.Inscribe(
        ssin=ACTIVE, typeDossier="0", period=period("2024-02-01", "2024-02-29")
    )
    assert lines(answer) == [(ACTIVE, "0", "2024-01-01", "2024-03-31")]


def test_a_one_day_period_is_kept_and_inscribing_it_twice_changes_nothing(register) -> None:
    for _ in range(2):
        answer = register.Inscribe(
            ssin=ACTIVE, typeDossier="0", period=period("2024-05-05", "2024-05-05")
        )
    assert lines(answer) == [(ACTIVE, "0", "2024-05-05", "2024-05-05")]


def test_end_of_time_is_open_ended(register) -> None:
    answer = register.Inscribe(
        ssin=ACTIVE, typeDossier="0", period=period("2024-05-05", "9999-12-31")
    )
    assert lines(answer) == [(ACTIVE, "0", "2024-05-05", None)]


def test_lines_of_other_type_dossiers_are_not_merged_nor_answered_by_inscribe(register) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    answer = register.Inscribe(ssin=ACTIVE, typeDossier="902", period=period("2024-01-15"))
    assert lines(answer) == [(ACTIVE, "902", "2024-01-15", None)]
    assert len(lines(register.Consult(ssin=ACTIVE))) == 2


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ssin", "expected"),
    [
        (MALFORMED, "MSG00011"),
        ("00000000000", "MSG00011"),
        (UNKNOWN, "MSG00005"),
        (CANCELED, "MSG00007"),
    ],
)
def test_ssins_the_source_refuses(register, engine, ssin, expected) -> None:
    inscribe = register.Inscribe(ssin=ssin, typeDossier="0", period=period("2024-01-01"))
    assert code(inscribe) == ("NOK", expected)
    assert information(inscribe)["ssin"] == ssin
    assert code(register.Remove(ssin=ssin, typeDossier="0")) == ("NOK", expected)
    assert code(register.Consult(ssin=ssin)) == ("NO_RESULT", expected)
    assert _stored(engine) == []


def test_a_replaced_ssin_is_followed_along_its_chain(register, engine) -> None:
    answer = register.Inscribe(ssin=REPLACED, typeDossier="0", period=period("2024-01-01"))
    assert code(answer) == ("OK", "MSG00006")
    assert information(answer) == {"replacedBy": SUCCESSOR}
    assert lines(answer) == [(SUCCESSOR, "0", "2024-01-01", None)]
    assert _stored(engine) == [(CLIENT_CBE, SUCCESSOR, "0")]

    consulted = register.Consult(ssin=REPLACED)
    assert code(consulted) == ("DATA_FOUND", "MSG00006")
    assert information(consulted) == {"replacedBy": SUCCESSOR}
    assert lines(consulted) == [(SUCCESSOR, "0", "2024-01-01", None)]
    assert lines(register.Consult(ssin=SUCCESSOR)) == lines(consulted)

    removed = register.Remove(ssin=MIDDLE, typeDossier="0", period=period("2024-06-01"))
    assert code(removed) == ("OK", "MSG00006")
    assert lines(removed) == [(SUCCESSOR, "0", "2024-01-01", "2024-05-31")]


def test_the_audit_log_names_the_ssin_acted_on(register, engine) -> None:
    answer = register.Inscribe(ssin=REPLACED, typeDossier="0", period=period("2024-01-01"))
    with UnitOfWork(engine) as tx:
        entry = tx.audit.by_ticket(answer.informationCBSS.ticketCBSS)
    assert entry is not None and set(entry.ssins) == {REPLACED, SUCCESSOR}


@pytest.mark.parametrize("type_dossier", ["UNDEFINED", "ONLY_OTHER"])
def test_a_type_dossier_not_defined_for_the_caller_is_raas0001(
    register, engine, type_dossier
) -> None:
    inscribe = register.Inscribe(ssin=ACTIVE, typeDossier=type_dossier, period=period("2024-01-01"))
    assert code(inscribe) == ("NOK", "RAAS0001")
    assert information(inscribe) == {"typeDossier": type_dossier}
    assert code(register.Remove(ssin=ACTIVE, typeDossier=type_dossier)) == ("NOK", "RAAS0001")
    assert code(register.Consult(ssin=ACTIVE, typeDossier=type_dossier)) == (
        "NO_RESULT",
        "RAAS0001",
    )
    assert _stored(engine) == []


def test_an_end_before_the_begin_is_msg00008(register, engine) -> None:
    bad = period("2024-02-01", "2024-01-31")
    assert code(register.Inscribe(ssin=ACTIVE, typeDossier="0", period=bad)) == ("NOK", "MSG00008")
    assert code(register.Remove(ssin=ACTIVE, typeDossier="0", period=bad)) == ("NOK", "MSG00008")
    assert code(register.Consult(ssin=ACTIVE, period=bad)) == ("NO_RESULT", "MSG00008")
    assert _stored(engine) == []


@pytest.mark.parametrize(
    "person_data",
    [
        {"lastName": "VAN DEN BROUCKE", "firstName": "jan pieter"},
        {"lastName": "van  den   broucke ", "firstName": "Jan-Pieter"},
        {"lastName": "Van-den-Broucke"},
        # only letters and digits count: spaces, hyphens and apostrophes are layout
        {"lastName": "Vandenbroucke", "firstName": "JanPieter"},
        {"lastName": "Van den Broucke", "firstName": "Jan Pieter"},
        {"lastName": "VAN'DEN BROUCKE.", "firstName": "jan-pieter"},
        {"birthDate": "1985-03-14", "gender": "MALE"},
        {"birthDate": "1985-03-00"},
        {"birthDate": "1985-00-00"},
        {"gender": "UNKNOWN"},
    ],
)
def test_person_data_matching_the_source(register, person_data) -> None:
    answer = register.Inscribe(
        ssin=ACTIVE, typeDossier="0", period=period("2024-01-01"), personData=person_data
    )
    assert code(answer) == ("OK", "MSG00000")


def test_names_match_without_accents(register) -> None:
    answer = register.Inscribe(
        ssin=OTHER_PERSON,
        typeDossier="0",
        period=period("2024-01-01"),
        personData={"lastName": "LEFEVRE", "firstName": "elodie", "birthDate": "1962-11-02"},
    )
    assert code(answer) == ("OK", "MSG00000")


@pytest.mark.parametrize(
    ("person_data", "fields"),
    [
        ({"lastName": "Vandenbrouck"}, {"lastName"}),
        ({"lastName": "Van den Broucke", "firstName": "JanPiet"}, {"firstName"}),
        ({"lastName": "Van den Broucke", "firstName": "Jan"}, {"firstName"}),
        ({"birthDate": "1985-03-15"}, {"birthDate"}),
        ({"birthDate": "1985-04-00"}, {"birthDate"}),
        ({"birthDate": "1986-00-00", "gender": "FEMALE"}, {"birthDate", "gender"}),
    ],
)
def test_person_data_that_differ_are_raas0002_and_store_nothing(
    register, engine, person_data, fields
) -> None:
    answer = register.Inscribe(
        ssin=ACTIVE, typeDossier="0", period=period("2024-01-01"), personData=person_data
    )
    assert code(answer) == ("NOK", "RAAS0002")
    assert set(information(answer)) == fields
    assert answer.inscriptions is None
    assert _stored(engine) == []


def test_an_impossible_birth_date_is_msg00008(register, engine) -> None:
    answer = register.Inscribe(
        ssin=ACTIVE,
        typeDossier="0",
        period=period("2024-01-01"),
        personData={"birthDate": "1985-02-30"},
    )
    assert code(answer) == ("NOK", "MSG00008")
    assert _stored(engine) == []


# -- Remove ----------------------------------------------------------------------------------------


def test_remove_without_period_deletes_every_line_of_the_key(register, engine) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-03-01"))
    register.Inscribe(ssin=ACTIVE, typeDossier="902", period=period("2024-01-01"))
    answer = register.Remove(ssin=ACTIVE, typeDossier="0")
    assert code(answer) == ("OK", "MSG00000")
    assert lines(answer) == []
    assert lines(register.Consult(ssin=ACTIVE)) == [(ACTIVE, "902", "2024-01-01", None)]
    assert _stored(engine) == [(CLIENT_CBE, ACTIVE, "902")]


@pytest.mark.parametrize(
    ("held", "cut", "left"),
    [
        pytest.param(
            ("2024-01-01", "2024-12-31"),
            ("2024-03-01", "2024-03-31"),
            [("2024-01-01", "2024-02-29"), ("2024-04-01", "2024-12-31")],
            id="split",
        ),
        pytest.param(
            ("2024-01-01", None),
            ("2024-03-01", "2024-03-31"),
            [("2024-01-01", "2024-02-29"), ("2024-04-01", None)],
            id="split-keeps-open-tail",
        ),
        pytest.param(
            ("2024-01-01", None),
            ("2024-03-01", None),
            [("2024-01-01", "2024-02-29")],
            id="open-cut-closes",
        ),
        pytest.param(
            ("2024-01-01", None),
            ("2023-01-01", "2024-01-31"),
            [("2024-02-01", None)],
            id="cut-the-head",
        ),
        pytest.param(
            ("2024-01-01", "2024-12-31"),
            ("2024-12-31", "2024-12-31"),
            [("2024-01-01", "2024-12-30")],
            id="cut-the-last-day",
        ),
        pytest.param(("2024-01-01", "2024-01-01"), ("2024-01-01", "2024-01-01"), [], id="cut-all"),
        pytest.param(
            ("2024-01-01", "2024-12-31"),
            ("2024-01-02", "2024-12-30"),
            [("2024-01-01", "2024-01-01"), ("2024-12-31", "2024-12-31")],
            id="one-day-each-side",
        ),
    ],
)
def test_remove_cuts_exactly_the_period(register, engine, held, cut, left) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period(*held))
    answer = register.Remove(ssin=ACTIVE, typeDossier="0", period=period(*cut))
    assert code(answer) == ("OK", "MSG00000")
    assert lines(answer) == [(ACTIVE, "0", b, e) for b, e in left]
    assert lines(register.Consult(ssin=ACTIVE)) == lines(answer)
    assert len(_stored(engine)) == (1 if left else 0)


def test_removing_what_is_not_there_is_msg00012_and_changes_nothing(register) -> None:
    assert code(register.Remove(ssin=ACTIVE, typeDossier="0")) == ("NOK", "MSG00012")
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    missed = register.Remove(
        ssin=ACTIVE, typeDossier="0", period=period("2024-02-01", "2024-02-10")
    )
    assert code(missed) == ("NOK", "MSG00012")
    assert information(missed) == {"ssin": ACTIVE, "typeDossier": "0"}
    assert code(register.Remove(ssin=ACTIVE, typeDossier="902")) == ("NOK", "MSG00012")
    assert lines(register.Consult(ssin=ACTIVE)) == [(ACTIVE, "0", "2024-01-01", "2024-01-31")]


# -- Consult ---------------------------------------------------------------------------------------


def test_consult_orders_by_type_dossier_then_begin_and_filters(register) -> None:
    for type_dossier, begin, end in [
        ("902", "2024-05-01", "2024-05-31"),
        ("0", "2024-03-01", None),
        ("902", "2024-01-01", "2024-01-31"),
        ("LIVING_WAGE", "2023-01-01", "2023-12-31"),
        ("0", "2022-01-01", "2022-01-31"),
    ]:
        register.Inscribe(ssin=ACTIVE, typeDossier=type_dossier, period=period(begin, end))
    everything = register.Consult(ssin=ACTIVE)
    assert code(everything) == ("DATA_FOUND", "MSG00000")
    assert [(t, b) for _, t, b, _ in lines(everything)] == [
        ("0", "2022-01-01"),
        ("0", "2024-03-01"),
        ("902", "2024-01-01"),
        ("902", "2024-05-01"),
        ("LIVING_WAGE", "2023-01-01"),
    ]
    only_902 = register.Consult(ssin=ACTIVE, typeDossier="902")
    assert [(t, b) for _, t, b, _ in lines(only_902)] == [
        ("902", "2024-01-01"),
        ("902", "2024-05-01"),
    ]
    # Overlap with the period, end days counting; whole lines, not clipped.
    window = register.Consult(ssin=ACTIVE, period=period("2024-01-31", "2024-03-01"))
    assert lines(window) == [
        (ACTIVE, "0", "2024-03-01", None),
        (ACTIVE, "902", "2024-01-01", "2024-01-31"),
    ]
    open_window = register.Consult(ssin=ACTIVE, typeDossier="902", period=period("2024-05-31"))
    assert lines(open_window) == [(ACTIVE, "902", "2024-05-01", "2024-05-31")]


def test_consult_without_lines_is_no_data_found(register) -> None:
    answer = register.Consult(ssin=ACTIVE)
    assert code(answer) == ("NO_DATA_FOUND", "MSG00100")
    assert answer.inscriptions is None
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    outside = register.Consult(ssin=ACTIVE, period=period("2024-02-01"))
    assert code(outside) == ("NO_DATA_FOUND", "MSG00100")
    replaced = register.Consult(ssin=REPLACED)
    assert code(replaced) == ("NO_DATA_FOUND", "MSG00100")
    assert information(replaced) == {"replacedBy": SUCCESSOR}


# -- InscribeBatch ---------------------------------------------------------------------------


def item(ssin: str, type_dossier: str, begin: str, end: str | None = None, **data: str) -> dict:
    return {
        "ssin": ssin,
        "typeDossier": type_dossier,
        "period": period(begin, end),
        "personData": data or None,
    }


def test_a_batch_applies_each_item_on_its_own_in_order(register, engine) -> None:
    answer = register.InscribeBatch(
        inscription=[
            item(ACTIVE, "0", "2024-01-01", "2024-01-31"),
            item(MALFORMED, "0", "2024-01-01"),
            item(ACTIVE, "0", "2024-02-01", "2024-02-29"),
            item(UNKNOWN, "0", "2024-01-01"),
            item(ACTIVE, "UNDEFINED", "2024-01-01"),
            item(REPLACED, "902", "2024-01-01"),
            item(CANCELED, "0", "2024-01-01"),
            item(OTHER_PERSON, "0", "2024-02-01", "2024-01-01"),
            item(OTHER_PERSON, "0", "2024-01-01", lastName="Somebody Else"),
            item(ACTIVE, "0", "2024-06-01", "2024-06-30"),
            item(OTHER_PERSON, "902", "2024-01-01", lastName="lefevre"),
        ]
    )
    assert code(answer) == ("OK", "MSG00000")
    assert information(answer) == {"accepted": "5", "refused": "6"}
    results = answer.results.result
    assert [(r.ssin, r.status.value, r.status.code) for r in results] == [
        (ACTIVE, "OK", "MSG00000"),
        (MALFORMED, "NOK", "MSG00011"),
        (ACTIVE, "OK", "MSG00000"),
        (UNKNOWN, "NOK", "MSG00005"),
        (ACTIVE, "NOK", "RAAS0001"),
        (REPLACED, "OK", "MSG00006"),
        (CANCELED, "NOK", "MSG00007"),
        (OTHER_PERSON, "NOK", "MSG00008"),
        (OTHER_PERSON, "NOK", "RAAS0002"),
        (ACTIVE, "OK", "MSG00000"),
        (OTHER_PERSON, "OK", "MSG00000"),
    ]
    # Each result shows the lines after its own item, as if it were its own Inscribe.
    assert lines(results[0]) == [(ACTIVE, "0", "2024-01-01", "2024-01-31")]
    assert lines(results[2]) == [(ACTIVE, "0", "2024-01-01", "2024-02-29")]
    assert lines(results[9]) == [
        (ACTIVE, "0", "2024-01-01", "2024-02-29"),
        (ACTIVE, "0", "2024-06-01", "2024-06-30"),
    ]
    assert lines(results[5]) == [(SUCCESSOR, "902", "2024-01-01", None)]
    assert lines(results[1]) == []
    assert lines(register.Consult(ssin=ACTIVE)) == lines(results[9])
    assert _stored(engine) == [
        (CLIENT_CBE, OTHER_PERSON, "902"),
        (CLIENT_CBE, ACTIVE, "0"),
        (CLIENT_CBE, SUCCESSOR, "902"),
    ]


def test_a_batch_merges_with_lines_already_held(register) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-03-01", "2024-03-31"))
    answer = register.InscribeBatch(
        inscription=[
            item(ACTIVE, "0", "2024-04-01", "2024-04-30"),
            item(ACTIVE, "0", "2024-01-01", "2024-01-31"),
        ]
    )
    first, second = answer.results.result
    assert lines(first) == [(ACTIVE, "0", "2024-03-01", "2024-04-30")]
    assert lines(second) == [
        (ACTIVE, "0", "2024-01-01", "2024-01-31"),
        (ACTIVE, "0", "2024-03-01", "2024-04-30"),
    ]


def test_a_batch_of_one_thousand_is_accepted(register, engine) -> None:
    uow = partial(UnitOfWork, engine)
    sourcefeed.seed(uow, 1000, seed=3)
    ssins = sourcefeed.sample_ssins(uow, 1000)
    answer = register.InscribeBatch(inscription=[item(s, "0", "2024-01-01") for s in ssins])
    assert information(answer) == {"accepted": "1000", "refused": "0"}
    assert [r.ssin for r in answer.results.result] == ssins
    assert len(_stored(engine)) == 1000


@pytest.mark.parametrize(("count", "accepted"), [(1000, True), (1001, False), (0, False)])
def test_a_batch_holds_one_to_one_thousand_items(
    register, live_url, engine, count, accepted
) -> None:
    one = (
        f"<r:inscription><r:ssin>{ACTIVE}</r:ssin><r:typeDossier>0</r:typeDossier>"
        "<r:period><c:beginDate>2024-01-01</c:beginDate></r:period></r:inscription>"
    )
    namespaces = 'xmlns:r="urn:raas:register:v1" xmlns:c="urn:raas:common:v1"'
    body = f"<r:InscribeBatch {namespaces}>{one * count}</r:InscribeBatch>"
    answer = post(live_url, "Register", envelope(body))
    if accepted:
        assert answer.status == 200 and answer.text.count(">MSG00000<") == 1001
        assert _stored(engine) == [(CLIENT_CBE, ACTIVE, "0")]
    else:
        assert_refused(answer)
        assert _stored(engine) == []


# -- isolation and events --------------------------------------------------------------------------


def test_another_organisation_neither_sees_nor_changes_the_lines(
    register, soap, users, engine
) -> None:
    register.Inscribe(ssin=ACTIVE, typeDossier="902", period=period("2024-01-01", "2024-12-31"))
    other = soap("Register", users.other)
    assert code(other.Consult(ssin=ACTIVE)) == ("NO_DATA_FOUND", "MSG00100")
    assert code(other.Consult(ssin=ACTIVE, typeDossier="902")) == ("NO_DATA_FOUND", "MSG00100")
    assert code(other.Remove(ssin=ACTIVE, typeDossier="902")) == ("NOK", "MSG00012")
    assert code(other.Remove(ssin=ACTIVE, typeDossier="902", period=period("2024-03-01"))) == (
        "NOK",
        "MSG00012",
    )
    theirs = other.Inscribe(ssin=ACTIVE, typeDossier="902", period=period("2025-01-01"))
    assert lines(theirs) == [(ACTIVE, "902", "2025-01-01", None)]
    assert lines(register.Consult(ssin=ACTIVE)) == [(ACTIVE, "902", "2024-01-01", "2024-12-31")]
    assert code(other.Inscribe(ssin=ACTIVE, typeDossier="0", period=period("2024-01-01"))) == (
        "NOK",
        "RAAS0001",
    )
    assert _stored(engine) == [(CLIENT_CBE, ACTIVE, "902"), (OTHER_CBE, ACTIVE, "902")]


def test_every_change_is_an_event_and_refusals_are_none(register, engine) -> None:
    register.Inscribe(ssin=REPLACED, typeDossier="0", period=period("2024-01-01", "2024-01-31"))
    register.Remove(ssin=SUCCESSOR, typeDossier="0", period=period("2024-01-10", "2024-01-12"))
    register.Remove(ssin=SUCCESSOR, typeDossier="0")
    register.Remove(ssin=SUCCESSOR, typeDossier="0")  # MSG00012: no event
    register.Inscribe(ssin=UNKNOWN, typeDossier="0", period=period("2024-01-01"))  # no event
    with UnitOfWork(engine) as tx:
        events = tx.events.on(today())
    assert [(e.kind, e.ssin, e.cbe_number, e.payload) for e in events] == [
        (
            "INSCRIPTION",
            SUCCESSOR,
            CLIENT_CBE,
            {
                "typeDossier": "0",
                "beginDate": "2024-01-01",
                "endDate": "2024-01-31",
                "requestedSsin": REPLACED,
            },
        ),
        (
            "REMOVAL",
            SUCCESSOR,
            CLIENT_CBE,
            {"typeDossier": "0", "beginDate": "2024-01-10", "endDate": "2024-01-12"},
        ),
        ("REMOVAL", SUCCESSOR, CLIENT_CBE, {"typeDossier": "0"}),
    ]


def _stored(engine: Engine) -> list[tuple[str, str, str]]:
    """Every register key in the database, of every organisation."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT cbe_number, ssin, type_dossier FROM register_lines ORDER BY 1, 2, 3")
        )
        return [tuple(r) for r in rows]
