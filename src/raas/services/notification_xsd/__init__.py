"""The schemas of the daily notification file and its voucher (package data).

Served under /xsd/notifications/ and written to xsd/notifications/ by `raas wsdl`, so that an
integrator validates the files it downloads against exactly what the service writes.
"""

from __future__ import annotations

from importlib.resources import files

NAMES = ("NotificationFile.xsd", "Voucher.xsd")


def schemas() -> dict[str, bytes]:
    """The notification schemas, by file name."""
    return {name: files(__name__).joinpath(name).read_bytes() for name in NAMES}
