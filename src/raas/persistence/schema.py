"""The whole schema: importing every aggregate's module registers its tables on `metadata`."""

from raas.persistence import (
    accounts,
    audit,
    events,
    inscription_files,
    link_formats,
    link_reports,
    links,
    notifications,
    persons,
    register,
    ssdn_clients,
    tables,
    type_dossiers,
)

metadata = tables.metadata

__all__ = [
    "accounts",
    "audit",
    "events",
    "inscription_files",
    "link_formats",
    "link_reports",
    "links",
    "metadata",
    "notifications",
    "persons",
    "register",
    "ssdn_clients",
    "type_dossiers",
]
