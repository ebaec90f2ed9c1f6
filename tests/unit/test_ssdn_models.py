"""The SSDN channel's domain rules: who is admitted, Purpose codes, severities, card numbers."""

from __future__ import annotations

import pytest

from raas.models import errors, ssdn
from raas.models.persons import PersonDetails
from raas.models.ssdn import AuthorizedUser, Detail, Severity, SsdnClient

CLIENT = SsdnClient("0203201340", "0123456789", 17, 1, ("10.0.0.0/8",))


@pytest.mark.parametrize(
    ("user", "admitted"),
    [
        (AuthorizedUser("00901234567", "", "0123456789", "17", "1"), True),
        (AuthorizedUser("", "", " 0123456789 ", "017", "01"), True),
        (AuthorizedUser("", "", "0123456789", "17", ""), False),
        (AuthorizedUser("", "", "0123456789", "18", "1"), False),
        (AuthorizedUser("", "", "012345678", "17", "1"), False),
        (AuthorizedUser("", "", "0123456789", "1x", "1"), False),
        (AuthorizedUser("", "", "0123456789", "9" * 40, "1"), False),
    ],
)
def test_an_authorized_user_matches_its_registration_only(user, admitted) -> None:
    assert user.matches(CLIENT) is admitted


def test_a_registration_without_sub_sector_admits_any() -> None:
    client = SsdnClient("0203201340", "U", 17, None, ("10.0.0.0/8",))
    assert AuthorizedUser("", "", "U", "17", "").matches(client)
    assert AuthorizedUser("", "", "U", "17", "5").matches(client)


@pytest.mark.parametrize(
    "fields",
    [
        {"org_unit": "a b"},
        {"org_unit": ""},
        {"sector": -1},
        {"sector": 10_000},
        {"networks": ()},
        {"networks": ("10.0.0.300/8",)},
    ],
)
def test_a_registration_refuses_bad_values(fields) -> None:
    values = {
        "cbe_number": "0203201340",
        "org_unit": "U",
        "sector": 17,
        "sub_sector": 1,
        "networks": ("10.0.0.0/8",),
        **fields,
    }
    with pytest.raises(ValueError):
        SsdnClient(**values)


def test_purpose_is_the_decimal_type_dossier() -> None:
    assert [ssdn.purpose_code(p) for p in ("1", "0902", "902", "0")] == ["1", "902", "902", "0"]


def test_severity_return_codes_and_reason_codes() -> None:
    assert Detail("31000007", "x").severity is Severity.ERROR
    assert Detail("21007001", "x").severity is Severity.WARNING
    assert ssdn.worst([]) is Severity.INFORMATION
    assert ssdn.worst([Detail("12007001", ""), Detail("21007001", "")]) is Severity.WARNING
    assert ssdn.RETURN_CODES[Severity.ERROR] == ("10000", "NO")
    assert ssdn.reason_code(errors.CardNotKnown("x")) == ssdn.UNKNOWN_CARD
    assert ssdn.reason_code(errors.PersonDataMismatch("x")) == ssdn.PERSON_DATA_MISMATCH
    assert ssdn.reason_code(errors.InvalidReplacement("x")) == ssdn.INVALID_DATA


def test_a_card_is_known_whatever_its_separators_and_case() -> None:
    details = PersonDetails("68060105329", "591-1234567-89", "ab 12")
    assert details.knows_card("591123456789")
    assert details.knows_card("AB12")
    assert not details.knows_card("591123456780")
    assert not details.knows_card("--")
    assert not PersonDetails("68060105329").knows_card("591123456789")


def test_admission_picks_the_one_organisation_or_refuses() -> None:
    from raas.usecases import ssdn as usecases

    user = AuthorizedUser("", "", "0123456789", "17", "1")
    other = SsdnClient("0404616494", "0123456789", 17, None, ("10.0.0.0/8",))
    elsewhere = SsdnClient("0404616494", "OTHER", 17, None, ("10.0.0.0/8",))
    admitted = usecases.admit([elsewhere, CLIENT], user, "10.1.1.1")
    assert (admitted.cbe_number, admitted.username) == ("0203201340", "ssdn:0123456789")
    with pytest.raises(usecases.Refused, match="several organisations"):
        usecases.admit([CLIENT, other], user, "10.1.1.1")
    with pytest.raises(usecases.Refused, match="matches no SSDN client"):
        usecases.admit([elsewhere], user, "10.1.1.1")
