"""Property-based fuzzing of every SOAP operation through the WSGI app, as raw XML.

For every operation of the committed WSDLs, hypothesis draws requests: schema-valid ones (many
aimed at data the world holds, some that the contract says must succeed), and ones broken in
their tree, their bytes, their headers or their credentials. Each answer must be a SOAP envelope
carrying either the operation's response with a contract status, or a SOAP fault with a contract
fault code; never an HTML page, plain text, a traceback, MSG00003 (an unexpected error) or a
hang. After every refused request (a fault, NOK or NO_RESULT) and every consultation, the data
tables must be unchanged.

`RAAS_FUZZ_EXAMPLES` sets the examples per operation (75 in CI; `make fuzz` runs 1000). What is
sent and how an answer is judged is in plans.py, shared with the other fuzz modules.
"""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.conftest import call_wsgi
from tests.fuzz import mutations
from tests.fuzz.conftest import World
from tests.fuzz.plans import (
    FUZZ_SETTINGS,
    HANG_SECONDS,
    OPERATIONS,
    REFUSED_VALUES,
    envelope,
    judge,
    plan,
    specs,
)
from tests.fuzz.schema import Operation, to_element

# -- the properties ------------------------------------------------------------------------------

ADDRESSES = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in itertools.count(1))
MODES = ["happy", "valid", "valid", "tree", "tree", "tree", "bytes", "bytes", "headers", "auth"]
# A wrong password costs a full argon2 check (~0.1-0.3 s): those callers come in "auth" mode only.
CALLER_WEIGHTS = ["client"] * 6 + ["admin"] * 3 + ["other", "anonymous", "digest", "empty-username"]

def test_every_operation_in_the_wsdls_has_a_fuzz_spec():
    """A new operation fails here until it gets a spec (and so is fuzzed like the others)."""
    fake = World(users=None, client_links=(1,), other_links=(2,), reports=(3,))  # type: ignore[arg-type]
    assert {str(op) for op in OPERATIONS} == set(specs(fake))
    assert len(OPERATIONS) >= 29  # the four services' operations were all found


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
@FUZZ_SETTINGS
@given(data=st.data())
def test_every_request_gets_a_contract_answer_and_refusals_change_nothing(
    fuzz_app, snapshot, world, operation: Operation, data: st.DataObject
) -> None:
    p = plan(world, operation)
    mode = data.draw(st.sampled_from(MODES), label="mode")
    caller = p.callers[p.role if mode == "happy" else data.draw(st.sampled_from(CALLER_WEIGHTS))]
    if mode == "auth":
        caller = p.callers[data.draw(st.sampled_from(sorted(p.callers)), label="caller")]
    payload = to_element(data.draw(p.happy if mode == "happy" else p.valid, label="payload"))
    environ: dict[str, str] = {"CONTENT_TYPE": "text/xml; charset=utf-8"}
    if mode == "tree":
        kind, mutate = data.draw(mutations.tree_mutation(), label="tree mutation")
        mutate(payload)
        event(f"tree: {kind}")
    body = envelope(caller.header, payload, as_text=data.draw(st.booleans()))
    if mode == "bytes":
        kind, mutate_bytes = data.draw(mutations.byte_mutation(), label="byte mutation")
        body = mutate_bytes(body)
        event(f"bytes: {kind}")
    if mode == "headers":
        environ = data.draw(mutations.headers(), label="headers")
    # Each request from an address of its own: failed logins lock a username out of one address
    # (RAAS_AUTH_MAX_FAILURES), and the fuzzed wrong passwords must not lock out the next cases.
    environ["REMOTE_ADDR"] = next(ADDRESSES)
    before = snapshot()
    started = time.perf_counter()
    status_line, answer = call_wsgi(fuzz_app, "POST", f"/{operation.service}", body, **environ)
    elapsed = time.perf_counter() - started
    assert elapsed < HANG_SECONDS, f"took {elapsed:.1f} s"
    outcome = judge(status_line, answer, p.schema.namespace)
    event(f"{mode}: {outcome.code}")
    if not caller.authenticated:
        assert outcome.fault and outcome.code in {"MSG00014", "MSG00004"}, outcome
    elif operation.service == "Admin" and not caller.admin:
        # (MSG00014 when a mutation broke the credentials)
        assert outcome.fault and outcome.code in {"MSG00016", "MSG00014", "MSG00004"}, outcome
    if mode == "happy":
        assert not outcome.fault and outcome.operation == operation.name, outcome
        assert outcome.code in p.spec.expect, (outcome, answer[:1500])
    refused = (
        outcome.fault
        or outcome.value in REFUSED_VALUES
        or outcome.all_items_refused
        or not p.answered_by.get(outcome.operation or "", p.spec).write
    )
    if refused:
        after = snapshot()
        changed = sorted(k for k in before if before[k] != after[k])
        assert not changed, f"{outcome} but the tables {changed} changed"
