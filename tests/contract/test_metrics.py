"""GET /metrics: Prometheus text that counts requests, faults and latency per operation and code."""

from __future__ import annotations

import pytest
import requests
from zeep.exceptions import Fault

from raas.models.ssin import make_ssin
from tests.contract.support import delta, scrape

SSIN = make_ssin(1962, 8, 30, 77)


def test_a_scrape_counts_requests_faults_and_latency_per_operation_and_code(
    soap, users, live_url
) -> None:
    before = scrape(live_url)
    register = soap("Register", users.client)
    for _ in range(3):
        register.ListTypeDossiers()
    soap("Identification", users.client).SearchPersonBySsin(ssin=SSIN)
    with pytest.raises(Fault):
        soap("Register", users.client, "wrong password").ListTypeDossiers()
    after = scrape(live_url)

    ok = {"service": "Register", "operation": "ListTypeDossiers", "code": "MSG00100"}
    assert delta(before, after, "raas_requests_total", **ok) == 3
    assert delta(before, after, "raas_request_faults_total", **ok) == 0
    assert delta(before, after, "raas_request_duration_seconds_count", **ok) == 3
    assert delta(before, after, "raas_request_duration_seconds_bucket", **ok, le="+Inf") == 3
    assert delta(before, after, "raas_request_duration_seconds_sum", **ok) > 0
    unknown = {"service": "Identification", "operation": "SearchPersonBySsin", "code": "MSG00005"}
    assert delta(before, after, "raas_requests_total", **unknown) == 1
    refused = {"service": "Register", "operation": "ListTypeDossiers", "code": "MSG00014"}
    assert delta(before, after, "raas_requests_total", **refused) == 1
    assert delta(before, after, "raas_request_faults_total", **refused) == 1


def test_the_scrape_shows_the_database_pool_and_no_personal_data(soap, users, live_url) -> None:
    soap("Identification", users.client).SearchPersonBySsin(ssin=SSIN)
    samples = scrape(live_url)
    assert samples[("raas_db_pool_size", ())] == 5  # RAAS_POOL_SIZE's default
    assert samples[("raas_db_pool_checked_out", ())] >= 0
    assert samples[("raas_db_pool_overflow", ())] >= 0
    text = requests.get(f"{live_url}/metrics", timeout=10).text
    assert SSIN not in text and users.client not in text
