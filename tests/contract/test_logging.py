"""One log line per request with its ticket, user, operation, status and duration; no payloads."""

from __future__ import annotations

import logging
import re

import pytest
import requests

from raas.models.ssin import make_ssin

SSIN = make_ssin(1962, 8, 30, 77)


@pytest.fixture()
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at any level while the test runs (server threads included)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _request_lines(logs: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in logs.records if r.name == "raas.request"]


def _anywhere(text: str, logs: pytest.LogCaptureFixture) -> bool:
    """Whether the server side logged `text` (zeep and urllib3 are this test's own client)."""
    return any(
        text in r.getMessage() or text in (r.exc_text or "")
        for r in logs.records
        if not r.name.startswith(("zeep", "urllib3"))
    )


def test_one_line_per_request_with_ticket_user_operation_status_duration(soap, users, logs):
    answer = soap("Identification", users.client).SearchPersonBySsin(ssin=SSIN)
    (line,) = _request_lines(logs)
    assert re.fullmatch(
        rf"ticketCBSS={answer.informationCBSS.ticketCBSS} user={users.client} "
        r"service=Identification operation=SearchPersonBySsin status=MSG00005 duration_ms=\d+",
        line,
    )
    assert not _anywhere(SSIN, logs)


@pytest.mark.parametrize(
    "body",
    [
        # schema-invalid (an unknown element holding the ssin), malformed, and a DOCTYPE
        f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<i:SearchPersonBySsin xmlns:i="urn:raas:identification:v1"><i:x>{SSIN}</i:x>'
        f"</i:SearchPersonBySsin></s:Body></s:Envelope>",
        f"<s:Envelope><ssin>{SSIN}</ssin>",
        f'<!DOCTYPE x [<!ENTITY e "{SSIN}">]><x>&e;</x>',
    ],
)
def test_refused_bodies_are_not_logged(live_url, users, logs, body):
    response = requests.post(
        f"{live_url}/Identification",
        data=body.encode(),
        timeout=10,
        headers={"Content-Type": "text/xml"},
    )
    assert response.status_code == 500
    assert len(_request_lines(logs)) == 1
    assert not _anywhere(SSIN, logs)
