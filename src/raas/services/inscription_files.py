"""SubmitInscriptionFile and GetInscriptionFileResult: the wire types, and the result file's
rendering (CSV, the columns of `models/inscription_files.py`, written by PostgreSQL)."""

from __future__ import annotations

import csv
import io

from spyne import ByteArray, Integer

from raas.models import errors
from raas.persistence.inscription_files import StoredFile
from raas.persistence.register_bulk import Rendering
from raas.services.status import DESCRIPTIONS, ERROR_CODES
from raas.services.types import (
    ComplexModel,
    DateTime,
    Unicode,
    optional,
    request_fields,
    required,
    response_fields,
    simple,
)

NS = "urn:raas:register:v1"

FileFormat = simple("FileFormatType", Unicode(values=["CSV", "XML"]))
FileMode = simple("FileModeType", Unicode(values=["LINE", "FILE"]))
FileState = simple("FileStateType", Unicode(values=["RECEIVED", "PROCESSING", "DONE", "REFUSED"]))
Sha256 = simple("Sha256Type", Unicode(pattern="[0-9a-fA-F]{64}"))
BatchId = simple(
    "BatchIdType",
    Unicode(pattern="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
)


class SubmitInscriptionFileRequest(ComplexModel):
    """A file of inscriptions (CSV or XML, gzip allowed), with the sha256 of `content` as sent;
    mode LINE applies each line on its own, FILE all lines or none."""

    __namespace__ = NS
    _type_info = request_fields(
        ("fileName", optional(Unicode(max_len=200))),
        ("format", required(FileFormat)),
        ("mode", required(FileMode)),
        ("sha256", required(Sha256)),
        ("content", required(ByteArray)),
    )


class SubmitInscriptionFileResponse(ComplexModel):
    __namespace__ = NS
    _type_info = response_fields(("batchId", optional(BatchId)))


class InscriptionFile(ComplexModel):
    """Where a file stands: lines done so far, accepted and refused (mode FILE: counted when
    the whole file is done), and why a refused file was refused."""

    __namespace__ = NS
    _type_info = [
        ("batchId", required(BatchId)),
        ("fileName", optional(Unicode)),
        ("format", required(FileFormat)),
        ("mode", required(FileMode)),
        ("sha256", required(Sha256)),
        ("state", required(FileState)),
        ("lineCount", optional(Integer)),
        ("linesDone", required(Integer)),
        ("accepted", required(Integer)),
        ("refused", required(Integer)),
        ("problem", optional(Unicode)),
        ("submittedAt", required(DateTime)),
        ("startedAt", optional(DateTime)),
        ("finishedAt", optional(DateTime)),
    ]


class GetInscriptionFileResultRequest(ComplexModel):
    __namespace__ = NS
    _type_info = request_fields(("batchId", required(BatchId)))


class GetInscriptionFileResultResponse(ComplexModel):
    """`result`, once the file is DONE or REFUSED: the result file, gzip-compressed CSV."""

    __namespace__ = NS
    _type_info = response_fields(
        ("file", optional(InscriptionFile)),
        ("result", optional(ByteArray)),
    )


def wire_file(stored: StoredFile) -> InscriptionFile:
    return InscriptionFile(
        batchId=str(stored.batch_id),
        fileName=stored.file_name,
        format=stored.format,
        mode=stored.mode,
        sha256=stored.sha256,
        state=stored.state,
        lineCount=stored.line_count,
        linesDone=stored.lines_done,
        accepted=stored.accepted,
        refused=stored.refused,
        problem=stored.problem,
        submittedAt=stored.submitted_at,
        startedAt=stored.started_at,
        finishedAt=stored.finished_at,
    )


_REFUSALS = (
    errors.InvalidSsin,
    errors.InvalidData,
    errors.UnknownTypeDossier,
    errors.UnknownSsin,
    errors.CanceledSsin,
    errors.PersonDataMismatch,
)


def result_rendering() -> Rendering:
    """A result file's lines: line, ssin, typeDossier, value, code, description, information,
    applied (CSV; ssin, typeDossier and information always quoted)."""

    def head(value: str, code: str) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([value, code, DESCRIPTIONS[code]])
        return out.getvalue()

    heads = {"Done": head("OK", "MSG00000"), "Replaced": head("OK", "MSG00006")}
    heads.update({e.__name__: head("NOK", ERROR_CODES[e]) for e in _REFUSALS})
    heads["Malformed"] = head("NOK", "MSG00004")
    return Rendering(
        result='%6$s,"%1$s","%2$s",%3$s,"%4$s",%7$s\n',
        heads=heads,
        information="%s=%s;",
        escape=lambda value: value.replace('"', '""'),
        quote='"',
    )
