"""National numbers never reach a log line, whoever logged them."""

import io
import json
import logging

from raas.logs import MASK, JsonFormatter, MaskNationalNumbers, mask
from raas.models.ssin import make_ssin

SSIN = make_ssin(1985, 3, 14, 123)


def test_stand_alone_national_numbers_are_masked() -> None:
    assert mask(f"key (ssin)=({SSIN}) exists") == f"key (ssin)=({MASK}) exists"
    assert (
        mask(f"<ssin>{SSIN}</ssin> and 85.03.14-123.02")
        == f"<ssin>{MASK}</ssin> and 85.03.14-123.02"
    )


def test_other_numbers_and_identifiers_are_left_alone() -> None:
    text = "ticketCBSS=4b3f0a8e-1d2c-4e5f-9a8b-123456789012 cbe=0203201340 n=123456789012"
    assert mask(text) == text


def test_a_handler_with_the_filter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskNationalNumbers())
    logger = logging.getLogger("test.logs.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("asked for %s", SSIN)
        try:
            raise ValueError(f"duplicate key {SSIN}")
        except ValueError:
            logger.exception("write failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert SSIN not in written
    assert written.count(MASK) == 2 and "ValueError: duplicate key" in written


def test_the_json_format_is_one_object_per_line_with_the_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskNationalNumbers())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.logs.json")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.info("status=MSG00000 for %s", SSIN, extra={"fields": {"status": "MSG00000"}})
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert (entry["logger"], entry["status"], entry["message"]) == (
        "test.logs.json", "MSG00000", f"status=MSG00000 for {MASK}")


def test_an_error_with_its_traceback_is_still_one_json_line_and_masked() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskNationalNumbers())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.logs.json.error")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise ValueError(f"duplicate key {SSIN}")
        except ValueError:
            logger.exception("write failed")
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "Traceback" in entry["exception"]
    assert SSIN not in line and f"ValueError: duplicate key {MASK}" in entry["exception"]
