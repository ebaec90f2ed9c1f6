"""`raas client InscribeBatch --csv FILE`: a CSV streamed as batches, without zeep."""

from __future__ import annotations

import csv
import io

import pytest
import zeep

from raas.models.ssin import make_ssin
from tests.world import JAN_PEETERS as PERSON

OTHER = make_ssin(1962, 11, 2, 56)  # not in the source


def _results(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_file_is_sent_in_batches_and_answered_line_by_line(
    client, users, tmp_path, monkeypatch  # noqa: F811
) -> None:
    monkeypatch.setattr(zeep, "Client", None)  # zeep is not used for the items
    rows = [
        "typeDossier,ssin,beginDate,endDate,lastName",
        *(f"902,{PERSON},2025-01-{day:02d},2025-01-{day:02d}," for day in range(1, 8)),
        f"777,{PERSON},2025-02-01,,",
        f"902,{PERSON[:-1]},2025-02-01,,",
        f"902,{OTHER},2025-02-01,,",
        f'902,{PERSON},2025-03-01,2025-02-01,"Peeters, ""Jan"""',
        f"902,{PERSON},2025-03-01,2025-03-31,Peeters",
    ]
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n")
    code, out = client(
        users.client, f"InscribeBatch --csv {tmp_path / 'in.csv'} --output {tmp_path / 'out.csv'}"
    )
    assert (code, out) == (1, "")
    results = _results((tmp_path / "out.csv").read_text())
    assert [(r["line"], r["value"], r["code"]) for r in results] == [
        *((str(n), "OK", "MSG00000") for n in range(2, 9)),
        ("9", "NOK", "RAAS0001"),
        ("10", "NOK", "MSG00004"),
        ("11", "NOK", "MSG00005"),
        ("12", "NOK", "MSG00008"),
        ("13", "OK", "MSG00000"),
    ]
    assert results[7]["information"] == "typeDossier=777;"
    assert results[7]["description"] == "Unknown typeDossier for this organisation"
    assert results[8]["information"].startswith("line=ssin: 11 digits expected")
    assert results[10]["information"] == "beginDate=2025-03-01;endDate=2025-02-01;"


@pytest.mark.parametrize("size", [3])
def test_every_line_is_answered_in_order_whatever_the_batches(
    client, users, tmp_path, monkeypatch, size  # noqa: F811
) -> None:
    from raas.client import stream

    monkeypatch.setattr(stream, "BATCH", size)
    original = stream.inscribe_csv
    monkeypatch.setattr(
        stream, "inscribe_csv", lambda *a, **k: original(*a, **{**k, "size": size, "jobs": 3})
    )
    lines = [f"{PERSON},902,2025-01-{day:02d}" for day in range(1, 29)]
    (tmp_path / "in.csv").write_text("ssin,typeDossier,beginDate\n" + "\n".join(lines) + "\n")
    code, out = client(users.client, f"InscribeBatch --csv {tmp_path / 'in.csv'}")
    results = _results(out)
    assert code == 0
    assert [int(r["line"]) for r in results] == list(range(2, 30))
    assert {r["code"] for r in results} == {"MSG00000"}


def test_a_file_without_the_required_columns_is_a_usage_error(client, users, tmp_path):  # noqa: F811
    (tmp_path / "in.csv").write_text("ssin,beginDate\n")
    code, _ = client(users.client, f"InscribeBatch --csv {tmp_path / 'in.csv'}")
    assert code == 2
