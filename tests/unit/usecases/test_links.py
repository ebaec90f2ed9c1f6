"""LinkRegister use cases on the fakes: formats and normalisation, who may change a link and what
of it, reports, format definitions. The uniqueness of links (LinkExists) is PostgreSQL's and is
tested in tests/integration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raas.models.errors import (
    CanceledSsin,
    InvalidData,
    InvalidForeignKey,
    LinkFieldChanged,
    LinkOwnedElsewhere,
    UnknownLink,
)
from raas.models.links import DEFAULT_FORMAT, Link
from raas.models.periods import Period
from raas.models.users import User
from raas.usecases.links import (
    FormatRequest,
    close_link_report,
    consult_formats,
    create_link,
    define_format,
    define_key_type,
    delete_link,
    links_by_foreign_key,
    links_by_ssin,
    list_link_reports,
    report_link,
    update_link,
)
from tests.fakes import FakeDatabase
from tests.unit.usecases.people import (
    ACTIVE,
    ALICE,
    BOB,
    BSN,
    CANCELED,
    EIDAS,
    OLD,
    OLDEST,
    ROOT,
    RR,
    world,
)

VALID_BSN = "111222333"
YEAR = Period(date(2024, 1, 1), date(2024, 12, 31))


def link(
    db: FakeDatabase,
    key: str = VALID_BSN,
    country: str = "NL",
    key_type: str = "NATIONAL_NUMBER",
    ssin: str = ACTIVE,
    caller: User = ALICE,
) -> Link:
    created, _ = create_link(db, caller, ssin, key, country, key_type, None)
    return created


def found(
    db: FakeDatabase, key: str, country: str = "NL", key_type: str | None = None
) -> list[int]:
    return [each.link_id for each in links_by_foreign_key(db, key, country, key_type)]


def test_a_key_is_stored_as_its_format_normalises_it_and_found_in_any_such_layout() -> None:
    db = world()
    created = link(db, " 1112.22.333 ")
    assert created.foreign_key == VALID_BSN
    assert found(db, "111-222-333") == found(db, VALID_BSN) == [created.link_id]
    passport = link(db, "ab 12 345", "FR", "PASSPORT")  # no format for it: the default one
    assert passport.foreign_key == "AB12345"
    assert found(db, "Ab12345 ", "FR") == [passport.link_id]


def test_a_search_without_key_type_normalises_the_key_by_each_key_types_format() -> None:
    db = world()
    bsn = link(db, "111.222.333")
    passport = link(db, "111.222.333", key_type="PASSPORT")  # the default keeps the dots
    undotted = link(db, VALID_BSN, key_type="PASSPORT")
    assert found(db, "111.222.333") == [bsn.link_id, passport.link_id]
    assert found(db, VALID_BSN) == [bsn.link_id, undotted.link_id]
    assert found(db, "111.222.333", key_type="PASSPORT") == [passport.link_id]


@given(st.lists(st.sampled_from(" .-/"), max_size=len(VALID_BSN) + 1))
def test_any_layout_of_separators_finds_a_national_number(separators: list[str]) -> None:
    db = world()
    created = link(db)
    spelled = "".join(
        digit + sep for digit, sep in zip(VALID_BSN, [*separators, *[""] * 9], strict=False)
    )
    assert found(db, spelled) == [created.link_id]


@pytest.mark.parametrize(
    ("key", "country", "key_type"),
    [
        ("12345", "NL", "NATIONAL_NUMBER"),  # not 9 digits
        ("111222334", "NL", "NATIONAL_NUMBER"),  # the BSN check fails
        ("ABCDE", "FR", "PASSPORT"),  # the default format wants a digit
        ("DE/BE/abc123", "NL", "EIDAS"),  # an eIDAS key starts with the link's country
    ],
)
def test_a_key_its_format_refuses_is_not_linked(key: str, country: str, key_type: str) -> None:
    db = world()
    with pytest.raises(InvalidForeignKey):
        link(db, key, country, key_type)
    assert db.state.links == {}


def test_an_eidas_key_keeps_its_case() -> None:
    assert link(world(), "NL/BE/abc123", "NL", "EIDAS").foreign_key == "NL/BE/abc123"


def test_an_unknown_country_or_key_type_is_invalid_data() -> None:
    db = world()
    with pytest.raises(InvalidData) as refused:
        link(db, country="XX")
    assert refused.value.information == {"country": "XX"}
    with pytest.raises(InvalidData) as refused:
        link(db, key_type="SHOE_SIZE")
    assert refused.value.information == {"keyType": "SHOE_SIZE"}


def test_a_link_goes_to_the_active_person_and_never_to_a_canceled_one() -> None:
    db = world()
    created, resolved = create_link(db, ALICE, OLDEST, VALID_BSN, "NL", "NATIONAL_NUMBER", YEAR)
    assert (created.ssin, created.validity) == (ACTIVE, YEAR)
    assert resolved.information() == {"replacedBy": ACTIVE}
    links, _ = links_by_ssin(db, OLD, None, None)
    assert links == [created]
    with pytest.raises(CanceledSsin):
        link(db, "123456782", ssin=CANCELED)
    assert len(db.state.links) == 1


def test_links_by_ssin_filter_by_country_and_key_type() -> None:
    db = world()
    bsn = link(db)
    passport = link(db, "P123456", "BE", "PASSPORT")
    link(db, "123456782", ssin=RR)
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [passport, bsn]  # by country
    assert links_by_ssin(db, ACTIVE, "BE", None)[0] == [passport]
    assert links_by_ssin(db, ACTIVE, None, "NATIONAL_NUMBER")[0] == [bsn]
    with pytest.raises(InvalidData):
        links_by_ssin(db, ACTIVE, None, "SHOE_SIZE")


def test_only_the_creating_organisation_or_an_admin_changes_the_validity() -> None:
    db = world()
    created = link(db)
    with pytest.raises(LinkOwnedElsewhere):
        update_link(db, BOB, created.link_id, YEAR)
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [created]
    updated, _ = update_link(db, ALICE, created.link_id, YEAR)
    assert updated.validity == YEAR
    later = Period(date(2025, 1, 1))
    assert update_link(db, ROOT, created.link_id, later)[0].validity == later
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [replace(created, validity=later)]


def test_only_the_validity_may_change() -> None:
    db = world()
    created = link(db)
    attempts: dict[str, Callable[[], object]] = {
        "ssin": lambda: update_link(db, ALICE, created.link_id, YEAR, ssin=RR),
        "country": lambda: update_link(db, ALICE, created.link_id, YEAR, country="BE"),
        "keyType": lambda: update_link(db, ALICE, created.link_id, YEAR, key_type="TAX_NUMBER"),
        "foreignKey": lambda: update_link(db, ALICE, created.link_id, YEAR, foreign_key="1234567"),
    }
    for field, attempt in attempts.items():
        with pytest.raises(LinkFieldChanged) as refused:
            attempt()
        assert refused.value.information == {"fieldName": field}
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [created]
    # The link's own values, spelled as the client may: a replaced ssin, another key layout.
    updated, resolved = update_link(
        db, ALICE, created.link_id, YEAR, ssin=OLD, foreign_key="111 222 333", country="NL"
    )
    assert updated.validity == YEAR
    assert resolved is not None and resolved.active == ACTIVE


def test_an_unknown_link_cannot_be_updated_reported_or_deleted() -> None:
    db = world()
    with pytest.raises(UnknownLink):
        update_link(db, ROOT, 42, YEAR)
    with pytest.raises(UnknownLink):
        report_link(db, ALICE, 42, "wrong person")
    with pytest.raises(UnknownLink):
        delete_link(db, ROOT, 42, uuid4())


def test_a_deleted_link_is_no_longer_found() -> None:
    db = world()
    created = link(db)
    assert delete_link(db, ROOT, created.link_id, uuid4()) == created
    assert found(db, VALID_BSN) == []
    assert links_by_ssin(db, ACTIVE, None, None)[0] == []


def test_a_report_needs_a_reason_of_at_most_1000_characters() -> None:
    db = world()
    created = link(db)
    for reason in ("", "   ", "x" * 1001):
        with pytest.raises(InvalidData):
            report_link(db, BOB, created.link_id, reason)
    assert list_link_reports(db, None) == []


def test_a_report_is_closed_once_deleting_its_link_when_asked() -> None:
    db = world()
    kept, wrong = link(db), link(db, "P123456", "BE", "PASSPORT")
    first, _ = report_link(db, BOB, kept.link_id, " not her number ")
    second, _ = report_link(db, BOB, wrong.link_id, "not hers")
    assert [(r.link_id, r.reason) for r in list_link_reports(db, True)] == [
        (kept.link_id, "not her number"),
        (wrong.link_id, "not hers"),
    ]
    assert close_link_report(db, ROOT, first, False, uuid4()) is None
    assert close_link_report(db, ROOT, second, True, uuid4()) == wrong
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [kept]
    closed = list_link_reports(db, False)
    assert [(r.report_id, r.link_deleted) for r in closed] == [(first, False), (second, True)]
    assert list_link_reports(db, True) == []
    with pytest.raises(InvalidData) as refused:
        close_link_report(db, ROOT, first, True, uuid4())
    assert refused.value.information == {"reportId": str(first)}
    assert links_by_ssin(db, ACTIVE, None, None)[0] == [kept]
    with pytest.raises(InvalidData):
        close_link_report(db, ROOT, 99, False, uuid4())


def test_closing_a_report_whose_link_is_gone_keeps_it_open() -> None:
    db = world()
    created = link(db)
    report_id, _ = report_link(db, BOB, created.link_id, "not hers")
    delete_link(db, ROOT, created.link_id, uuid4())
    with pytest.raises(UnknownLink):
        close_link_report(db, ROOT, report_id, True, uuid4())
    assert [r.report_id for r in list_link_reports(db, True)] == [report_id]


def test_a_new_format_normalises_the_keys_it_now_governs_again() -> None:
    db = world()
    passport = link(db, "p-123.456", "BE", "PASSPORT")
    assert passport.foreign_key == "P-123.456"
    changed = define_format(
        db, FormatRequest("BE", "PASSPORT", "[A-Z]{1,2}[0-9]{6}", "Belgian passport", None, " .-")
    )
    assert changed == 1
    assert found(db, "P123456", "BE") == [passport.link_id]
    assert "Belgian passport" in [f.description for f in consult_formats(db, "BE")]
    with pytest.raises(InvalidForeignKey):
        link(db, "123456", "BE", "PASSPORT")


def test_a_redefined_format_keeps_the_optional_fields_not_given() -> None:
    db = world()
    define_format(db, FormatRequest("NL", "NATIONAL_NUMBER", "[0-9]{9}", "BSN again"))
    (bsn,) = [f for f in consult_formats(db, "NL") if f.country == "NL"]
    assert (bsn.validator, bsn.normalisation) == (BSN.validator, BSN.normalisation)
    with pytest.raises(InvalidForeignKey):
        link(db, "111222334")  # the check digits are still checked
    define_format(db, FormatRequest("NL", "NATIONAL_NUMBER", "[0-9]{9}", "BSN", validator=""))
    assert link(db, "111222334").foreign_key == "111222334"


@pytest.mark.parametrize(
    "request_",
    [
        FormatRequest("*", "*", ".+", "anything"),  # the default format is the contract's
        FormatRequest("XX", "PASSPORT", ".+", "no such country"),
        FormatRequest("BE", "SHOE_SIZE", ".+", "no such key type"),
        FormatRequest("BE", "PASSPORT", "(a", "not a pattern"),
        FormatRequest("BE", "PASSPORT", "(?=a).+", "not a pattern RE2 can match in linear time"),
        FormatRequest("BE", "PASSPORT", ".+", "x", validator="no.such"),
        FormatRequest("BE", "PASSPORT", ".+", " "),
        FormatRequest("BE", "PASSPORT", ".+", "x", case_folding="TITLE"),
    ],
)
def test_a_format_that_cannot_be_used_is_invalid_data(request_: FormatRequest) -> None:
    db = world()
    with pytest.raises(InvalidData):
        define_format(db, request_)
    assert consult_formats(db, None) == [DEFAULT_FORMAT, EIDAS, BSN]


def test_consult_formats_lists_the_default_then_the_country_and_any_country() -> None:
    db = world()
    assert consult_formats(db, "NL") == [DEFAULT_FORMAT, EIDAS, BSN]
    assert consult_formats(db, "BE") == [DEFAULT_FORMAT, EIDAS]
    assert consult_formats(db, "*") == consult_formats(db, None)
    with pytest.raises(InvalidData):
        consult_formats(db, "nl")


def test_a_new_key_type_can_be_linked_at_once() -> None:
    db = world()
    for code, description in (("shoe", "Shoe size"), ("9LIVES", "Cat"), ("PENSION", " ")):
        with pytest.raises(InvalidData):
            define_key_type(db, code, description)
    define_key_type(db, "PENSION", " Pension number ")
    assert link(db, "PEN-12345", "FR", "PENSION").foreign_key == "PEN-12345"
