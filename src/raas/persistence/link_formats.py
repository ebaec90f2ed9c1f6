"""The LinkRegister's format registry: key types, and the format of a key per (country, key
type), with how it is normalised. Formats are data, changed by an admin without a release."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert

from raas.models.links import ANY, CaseFolding, KeyFormat, KeyType, Normalisation
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

link_key_types = Table(
    "link_key_types",
    metadata,
    Column("code", Text, primary_key=True),
    Column("description", Text, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

link_formats = Table(
    "link_formats",
    metadata,
    Column("country", Text, primary_key=True),  # ISO 3166-1 alpha-2, or '*'
    Column("key_type", Text, primary_key=True),  # a key type code, or '*'
    Column("description", Text, nullable=False),
    Column("pattern", Text, nullable=False),
    Column("validator", Text),
    Column("remove_characters", Text, nullable=False, server_default=" "),
    Column("case_folding", Text, nullable=False, server_default="UPPER"),
    Column("defined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("case_folding IN ('UPPER', 'LOWER', 'NONE')", name="case_folding"),
)

# What ConsultLinksByForeignKey needs on every call, in one round trip: the formats of the
# country and of any country, and the key type codes.
_NORMALISING = """
    SELECT (SELECT coalesce(json_agg(f ORDER BY f.country, f.key_type), '[]')
            FROM link_formats AS f WHERE f.country IN (%(country)s, %(any)s)) AS formats,
           (SELECT coalesce(array_agg(code ORDER BY code), '{}') FROM link_key_types) AS key_types
"""


class LinkFormatRepository(Repository):
    def key_types(self) -> list[KeyType]:
        rows = self._conn.execute(select(link_key_types).order_by(link_key_types.c.code))
        return [KeyType(row.code, row.description) for row in rows]

    def has_key_type(self, code: str) -> bool:
        found = self._conn.scalar(
            select(link_key_types.c.code).where(link_key_types.c.code == code)
        )
        return found is not None

    def define_key_type(self, key_type: KeyType) -> None:
        """Create the key type, or change its description."""
        stmt = insert(link_key_types).values(code=key_type.code, description=key_type.description)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["code"], set_={"description": stmt.excluded.description}
            )
        )

    def formats(self, country: str | None = None) -> list[KeyFormat]:
        """The formats defined for `country` and for any country ('*'); all when None."""
        query = select(link_formats).order_by(link_formats.c.country, link_formats.c.key_type)
        if country is not None:
            query = query.where(link_formats.c.country.in_([country, ANY]))
        return [_format(row) for row in self._conn.execute(query)]

    def normalising(self, country: str) -> tuple[list[KeyFormat], list[str]]:
        """`formats(country)` and the key type codes, in one round trip (ConsultLinksByForeignKey
        needs both on every call)."""
        row = self._conn.exec_driver_sql(_NORMALISING, {"country": country, "any": ANY}).one()
        formats = [_format(SimpleNamespace(**f)) for f in row.formats]
        return formats, list(row.key_types)

    def format(self, country: str, key_type: str) -> KeyFormat | None:
        row = self._conn.execute(
            select(link_formats).where(
                link_formats.c.country == country, link_formats.c.key_type == key_type
            )
        ).first()
        return None if row is None else _format(row)

    def define_format(self, key_format: KeyFormat) -> None:
        """Create or replace the format of (country, key type)."""
        values = {
            "country": key_format.country,
            "key_type": key_format.key_type,
            "description": key_format.description,
            "pattern": key_format.pattern,
            "validator": key_format.validator,
            "remove_characters": key_format.normalisation.remove,
            "case_folding": key_format.normalisation.case.value,
        }
        stmt = insert(link_formats).values(**values)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["country", "key_type"],
                set_={**{k: stmt.excluded[k] for k in values}, "defined_at": func.now()},
            )
        )


def _format(row: Any) -> KeyFormat:
    """The format of a row of `link_formats` (or of its JSON, as `_NORMALISING` gives it)."""
    return KeyFormat(
        country=row.country,
        key_type=row.key_type,
        description=row.description,
        pattern=row.pattern,
        validator=row.validator,
        normalisation=Normalisation(row.remove_characters, CaseFolding(row.case_folding)),
    )
