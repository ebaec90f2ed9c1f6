"""spyne 2.14.0 on Python 3.12 and 3.13: the two things it needs, installed before spyne loads.

1. spyne vendors six 1.14 as `spyne.util.six`, whose meta-path importer serves
   `spyne.util.six.moves.*` through `find_module`/`load_module` only. Python 3.12 no longer calls
   those, so `import spyne` fails (`No module named 'spyne.util.six.moves'`). `SixMovesFinder`
   answers `find_spec` for exactly those names and hands them to spyne's own importer (what six
   1.16 added to its importer); spyne's copy of six is left as it is, its extra functions too.
2. Python 3.13 removed `cgi`, which `spyne.server.wsgi` and `spyne.protocol.soap.soap11` import:
   the `legacy-cgi` package (a dependency on 3.13 and later) provides it.

The documentation spyne writes into the WSDL comes from docstrings, which 3.13 dedents at compile
time: `raas.services.documents` normalises it with `inspect.cleandoc` on every version, so the
WSDL and XSD are byte-identical on 3.11, 3.12 and 3.13.

`install()` is idempotent and is called from `raas/__init__.py`, so it runs before any module of
the project imports spyne. It refuses a spyne other than the one it was written for: a new spyne
may need none of this, or something else.
"""

from __future__ import annotations

import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from importlib.metadata import PackageNotFoundError, version
from importlib.util import spec_from_loader
from types import ModuleType
from typing import Any

SPYNE_VERSION = "2.14.0"
_SIX = "spyne.util.six"


class SpyneVersionError(RuntimeError):
    """The installed spyne is not the version this shim patches."""


class _Delegate(Loader):
    """Loads one `spyne.util.six.moves…` module through spyne's own six importer."""

    def __init__(self, importer: Any) -> None:
        self._importer = importer

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        module: ModuleType = self._importer.load_module(spec.name)
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: `load_module` returned the finished module."""


class SixMovesFinder(MetaPathFinder):
    """`find_spec` for the names spyne's vendored six importer knows (Python 3.12+)."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(f"{_SIX}.moves"):
            return None
        for finder in sys.meta_path:
            if getattr(finder, "name", None) == _SIX and fullname in getattr(
                finder, "known_modules", ()
            ):
                return spec_from_loader(fullname, _Delegate(finder))
        return None


def check_spyne_version() -> None:
    """SpyneVersionError unless spyne is the version this module patches."""
    try:
        found = version("spyne")
    except PackageNotFoundError:
        return  # no spyne here (e.g. a client-only install): nothing to patch
    if found != SPYNE_VERSION:
        raise SpyneVersionError(
            f"raas.spyne_compat patches spyne {SPYNE_VERSION}, but spyne {found} is installed: "
            "check whether that version still needs this shim (Python 3.12+), then update it"
        )


def install() -> None:
    """Make spyne 2.14.0 importable on this Python (nothing to do before 3.12)."""
    if sys.version_info < (3, 12) or any(isinstance(f, SixMovesFinder) for f in sys.meta_path):
        return
    check_spyne_version()
    sys.meta_path.insert(0, SixMovesFinder())
