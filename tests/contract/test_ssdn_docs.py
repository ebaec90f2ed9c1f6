"""The integrator guide's SSDN reason-code table lists exactly the codes RAAS answers."""

from __future__ import annotations

import re

from raas.models import ssdn
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "integrator-guide.md").read_text()


def answered_codes() -> dict[str, str]:
    """Every SSDN reason code the channel writes, with its severity name."""
    codes = {
        value: ssdn.Severity(int(value[0])).name.lower()
        for name, value in vars(ssdn).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[0-9]{8}", value)
    }
    for detail in (ssdn.GLOBAL_WARNING, ssdn.GLOBAL_ERROR):
        codes[detail.reason_code] = detail.severity.name.lower()
    return codes


def test_the_guide_lists_every_ssdn_reason_code_with_its_severity() -> None:
    table = GUIDE.partition("<!-- ssdn reason codes:")[2].split("\n\n")[0]
    rows = re.findall(r"^\| ([0-9]{8}) \| (\w+) \| (KSZ|RAAS) \|", table, re.M)
    assert {code: severity for code, severity, _ in rows} == answered_codes()
    assert [code for code, _, _ in rows] == sorted(code for code, _, _ in rows)
    for code, _, who in rows:
        assert (who == "RAAS") == (code[1:3] == "90"), code
