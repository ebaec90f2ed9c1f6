"""Published schemas of the files RAAS reads (package data).

`InscriptionFile.xsd`, the XML inscription file (SubmitInscriptionFile, `raas register import`):
served under /xsd/files/ and written to xsd/files/ by `raas wsdl`.
"""

from __future__ import annotations

from importlib.resources import files

NAMES = ("InscriptionFile.xsd",)


def schemas() -> dict[str, bytes]:
    """The file schemas, by file name."""
    return {name: files(__name__).joinpath(name).read_bytes() for name in NAMES}
