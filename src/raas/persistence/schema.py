"""The whole schema: importing every module that defines tables registers them on `metadata`."""

from raas.persistence import (
    events,
    identification,
    inscription_files,
    links,
    notifications,
    register,
    tables,
)

metadata = tables.metadata

__all__ = [
    "events",
    "identification",
    "inscription_files",
    "links",
    "metadata",
    "notifications",
    "register",
]
