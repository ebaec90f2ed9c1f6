"""Helpers the contract tests share: periods to send, links to create, zeep answers read back,
/metrics scraped."""

from __future__ import annotations

from datetime import date

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests import world
from tests.world import ACTIVE

D = date.fromisoformat


def period(begin: str, end: str | None = None) -> dict[str, date | None]:
    return {"beginDate": D(begin), "endDate": D(end) if end else None}


def create(service, ssin=ACTIVE, key="AB123456", country="FR", key_type="PASSPORT", **validity):  # type: ignore[no-untyped-def]
    """CreateLink on a LinkRegister service; `begin` and `end` give its validity."""
    period = None
    if validity:
        period = {"beginDate": validity["begin"], "endDate": validity.get("end")}
    return service.CreateLink(
        ssin=ssin, foreignKey=key, country=country, keyType=key_type, validity=period
    )


def lines(answer) -> list[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    """The inscriptions of an answer as (ssin, typeDossier, begin, end)."""
    if answer.inscriptions is None:
        return []
    return [
        (
            i.ssin,
            i.typeDossier,
            i.period.beginDate.isoformat(),
            i.period.endDate.isoformat() if i.period.endDate else None,
        )
        for i in answer.inscriptions.inscription
    ]


def code(answer) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The status of an answer as (value, code)."""
    return answer.status.value, answer.status.code


def information(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {i.fieldName: i.fieldValue for i in answer.status.information}


def listed(answer) -> list:  # type: ignore[no-untyped-def]
    """The links of a LinkRegister answer."""
    return [] if answer.links is None else list(answer.links.link)


def scrape(live_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, parsed by prometheus_client's own parser."""
    response = requests.get(f"{live_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def delta(before, after, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


# The people a bulk test sends: active, replaced (twice), canceled, unknown, malformed.
BULK_SSINS = [
    world.ACTIVE,
    world.OTHER_PERSON,
    world.SUCCESSOR,
    world.MIDDLE,
    world.REPLACED_TWICE,
    world.CANCELED,
    world.UNKNOWN,
    world.MALFORMED,
]
