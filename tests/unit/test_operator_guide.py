"""The operator guide documents every setting the code reads and every metric it exports."""

import re

from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "operator-guide.md").read_text()


def test_every_raas_variable_the_code_reads_is_in_the_guide() -> None:
    read = set(re.findall(r"RAAS_[A-Z_]+", (ROOT / "src/raas/config.py").read_text()))
    assert read  # the pattern still finds the settings
    missing = {name for name in read if f"`{name}`" not in GUIDE}
    assert not missing, f"add to docs/operator-guide.md: {sorted(missing)}"


def test_every_metric_is_in_the_guide() -> None:
    source = (ROOT / "src/raas/metrics.py").read_text()
    names = set(re.findall(r'"(raas_[a-z_]+)"', source))
    assert len(names) == 6
    counters = {"raas_requests", "raas_request_faults"}  # exported with the suffix _total
    documented = {f"{n}_total" if n in counters else n for n in names}
    missing = {name for name in documented if f"`{name}`" not in GUIDE}
    assert not missing, f"add to docs/operator-guide.md: {sorted(missing)}"


def test_the_readme_links_the_guide() -> None:
    assert "docs/operator-guide.md" in (ROOT / "README.md").read_text()
