"""The LinkRegister's links (one register shared by every organisation) and the deleted ones.

Uniqueness is the database's job, so it holds under concurrent writers: a unique constraint
forbids the same foreign key twice for one ssin, and an exclusion constraint (btree_gist) forbids
two links of the same (country, keyType, normalised key) whose validities overlap. A validity is
a `daterange`, half-open [begin, end + 1 day); a link without validity holds `(,)`, which
overlaps every other. Deleted links leave `links` (so no query and no constraint needs a
"deleted" flag) and are kept in `deleted_links` with who deleted them, when, and the ticket of
the request (which joins the audit log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Row,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    any_,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import DATERANGE, ExcludeConstraint, Range
from sqlalchemy.exc import IntegrityError

from raas.models.errors import LinkExists
from raas.models.links import ANY, KeyFormat, Link, format_for
from raas.models.periods import Period
from raas.persistence import ranges
from raas.persistence.repository import Repository
from raas.persistence.tables import metadata

links = Table(
    "links",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("ssin", Text, nullable=False, index=True),
    Column("country", Text, nullable=False),
    Column("key_type", Text, ForeignKey("link_key_types.code"), nullable=False),
    Column("foreign_key", Text, nullable=False, index=True),  # normalised by its format
    Column("key_as_given", Text, nullable=False),  # to normalise again when a format changes
    Column("validity", DATERANGE, nullable=False),
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("country", "key_type", "foreign_key", "ssin"),
    ExcludeConstraint(
        ("country", "="),
        ("key_type", "="),
        ("foreign_key", "="),
        ("validity", "&&"),
        name="ex_links_key_validity",
        using="gist",
    ),
    CheckConstraint("NOT isempty(validity)", name="validity_not_empty"),
)

deleted_links = Table(
    "deleted_links",
    metadata,
    Column("link_id", BigInteger, primary_key=True),
    Column("ssin", Text, nullable=False, index=True),
    Column("country", Text, nullable=False),
    Column("key_type", Text, nullable=False),
    Column("foreign_key", Text, nullable=False),
    Column("validity", DATERANGE, nullable=False),
    Column("cbe_number", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("deleted_by", Text, nullable=False),
    Column("deleted_by_cbe_number", Text, nullable=False),
    Column("ticket_cbss", Uuid, nullable=False),
    Column("report_id", BigInteger),
)

# ConsultLinksByForeignKey's statements (in a country, of any key type or of one).
_BY_KEYS = """
    SELECT id, ssin, country, key_type, foreign_key, validity, cbe_number FROM links
    WHERE foreign_key = ANY(%(keys)s) AND country = %(country)s
    ORDER BY country, key_type, lower(validity) NULLS FIRST, id
"""
_BY_KEYS_OF_TYPE = """
    SELECT id, ssin, country, key_type, foreign_key, validity, cbe_number FROM links
    WHERE foreign_key = ANY(%(keys)s) AND country = %(country)s AND key_type = %(key_type)s
    ORDER BY country, key_type, lower(validity) NULLS FIRST, id
"""

# Who `deleted_links` names when a replacement deleted a link.
AUTHENTIC_SOURCE = "authentic-source"

_CONFLICTS = {"uq_links_country_key_type_foreign_key_ssin", "ex_links_key_validity"}

# Writers of one key (country, key type, normalised key) run one at a time, in a lock held until
# their transaction ends. Without it, two transactions inserting the same key each wait, while
# PostgreSQL checks the exclusion constraint, for the other's row: a deadlock that PostgreSQL 15
# detected most of the time (the loser ran again), and once in a few hundred races of 16 clients
# did not, leaving every writer of that key waiting until the request deadline (MSG00001).
# With the lock, no two uncommitted rows of one key ever exist: the next writer meets the
# committed row at once (LinkExists). The first argument keeps these locks apart from the login
# locks (persistence/accounts.py) in PostgreSQL's one advisory lock space.
_KEY_LOCK_SPACE = 0x4C4E4B  # "LNK"
_LOCK_KEY = (
    f"SELECT pg_advisory_xact_lock({_KEY_LOCK_SPACE}, "
    "hashtext(%(country)s::text || '/' || %(key_type)s::text || '/' || %(foreign_key)s::text))"
)
_LOCK_KEY_OF_LINK = (
    f"SELECT pg_advisory_xact_lock({_KEY_LOCK_SPACE}, "
    "hashtext(country || '/' || key_type || '/' || foreign_key)) FROM links WHERE id = %(id)s"
)


class LinkRepository(Repository):
    def add(
        self,
        ssin: str,
        country: str,
        key_type: str,
        foreign_key: str,
        key_as_given: str,
        validity: Period | None,
        cbe_number: str,
    ) -> Link:
        """Store a new link; LinkExists when it would break the uniqueness rules."""
        values = {
            "ssin": ssin,
            "country": country,
            "key_type": key_type,
            "foreign_key": foreign_key,
            "key_as_given": key_as_given,
            "validity": to_range(validity),
            "cbe_number": cbe_number,
        }

        def insert_row() -> int:
            return int(
                self._conn.execute(
                    links.insert().values(**values).returning(links.c.id)
                ).scalar_one()
            )

        self._conn.exec_driver_sql(
            _LOCK_KEY, {"country": country, "key_type": key_type, "foreign_key": foreign_key}
        )
        try:
            with self._conn.begin_nested():
                link_id = insert_row()
        except IntegrityError as error:
            if _constraint(error) not in _CONFLICTS:
                raise
            existing = self._conflicting(ssin, country, key_type, foreign_key, validity)
            raise LinkExists(
                "the link, or one for the same foreign key, already exists",
                linkId=str(existing or ""),
            ) from None
        return Link(link_id, ssin, country, key_type, foreign_key, validity, cbe_number)

    def get(self, link_id: int, *, for_update: bool = False) -> Link | None:
        query = select(links).where(links.c.id == link_id)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _link(row)

    def by_ssins(
        self, ssins: Sequence[str], country: str | None, key_type: str | None
    ) -> list[Link]:
        """The links of these ssins, filtered, by country, key type and validity."""
        query = select(links).where(links.c.ssin == any_(list(ssins)))
        return self._list(query, country, key_type)

    def by_keys(self, country: str, keys: Iterable[str], key_type: str | None) -> list[Link]:
        """The links of `country` holding one of these normalised keys."""
        rows = self._conn.exec_driver_sql(
            _BY_KEYS if key_type is None else _BY_KEYS_OF_TYPE,
            {"keys": sorted(set(keys)), "country": country, "key_type": key_type},
        )
        return [_link(row) for row in rows]

    def set_validity(self, link_id: int, validity: Period | None) -> None:
        """Change a link's validity; LinkExists when it would overlap another link's."""
        self._conn.exec_driver_sql(_LOCK_KEY_OF_LINK, {"id": link_id})
        stmt = (
            update(links)
            .where(links.c.id == link_id)
            .values(validity=to_range(validity), updated_at=func.now())
        )
        self._guarded(lambda: self._conn.execute(stmt), linkId=str(link_id))

    def delete(
        self,
        link_id: int,
        username: str,
        cbe_number: str,
        ticket: UUID,
        report_id: int | None = None,
    ) -> Link | None:
        """Remove the link and keep a copy saying who deleted it; None when it does not exist."""
        row = self._conn.execute(
            links.delete().where(links.c.id == link_id).returning(links)
        ).first()
        if row is None:
            return None
        self._conn.execute(
            deleted_links.insert().values(
                link_id=row.id,
                ssin=row.ssin,
                country=row.country,
                key_type=row.key_type,
                foreign_key=row.foreign_key,
                validity=row.validity,
                cbe_number=row.cbe_number,
                created_at=row.created_at,
                deleted_by=username,
                deleted_by_cbe_number=cbe_number,
                ticket_cbss=ticket,
                report_id=report_id,
            )
        )
        return _link(row)

    def move(self, old: str, new: str, ticket: UUID) -> tuple[int, int]:
        """Move every link of `old` to `new`: (moved, deleted).

        A link of `old` whose key `new` already holds cannot move (one key once per ssin; their
        validities do not overlap, the exclusion constraint sees to that): it is deleted, kept
        in `deleted_links` as deleted by the authentic source for the link's own organisation.
        """
        twin = links.alias("twin")
        duplicate = (
            select(twin.c.id)
            .where(
                twin.c.ssin == new,
                twin.c.country == links.c.country,
                twin.c.key_type == links.c.key_type,
                twin.c.foreign_key == links.c.foreign_key,
            )
            .exists()
        )
        gone = links.delete().where(links.c.ssin == old, duplicate).returning(links).cte("gone")
        kept = [
            "ssin",
            "country",
            "key_type",
            "foreign_key",
            "validity",
            "cbe_number",
            "created_at",
        ]
        columns = ["link_id", *kept, "deleted_by", "deleted_by_cbe_number", "ticket_cbss"]
        rows = select(
            gone.c.id,
            *(gone.c[name] for name in kept),
            literal(AUTHENTIC_SOURCE),
            gone.c.cbe_number,
            literal(ticket, Uuid),
        )
        # Counted by RETURNING: psycopg reports -1, not 0, for this statement when it adds none.
        deleted = self._conn.execute(
            deleted_links.insert().from_select(columns, rows).returning(deleted_links.c.link_id)
        ).all()
        moved = self._conn.execute(
            update(links).where(links.c.ssin == old).values(ssin=new, updated_at=func.now())
        ).rowcount
        return moved, len(deleted)

    def renormalise(self, country: str, key_type: str, formats: list[KeyFormat]) -> int:
        """Normalise again, by `formats` (those now defined for the country, or all), the keys a
        (re)defined format of (country, key type) may govern.

        LinkExists when two links would then hold the same key; returns how many keys changed.
        """
        query = select(
            links.c.id, links.c.country, links.c.key_type, links.c.key_as_given, links.c.foreign_key
        )
        if country != ANY:
            query = query.where(links.c.country == country)
        if key_type != ANY:
            query = query.where(links.c.key_type == key_type)
        changes = [
            {"link_id": row.id, "key": new}
            for row in self._conn.execute(query)
            if (new := format_for(formats, row.country, row.key_type).normalise(row.key_as_given))
            != row.foreign_key
        ]
        if changes:
            stmt = (
                update(links)
                .where(links.c.id == bindparam("link_id"))
                .values(foreign_key=bindparam("key"), updated_at=func.now())
            )
            self._guarded(lambda: self._conn.execute(stmt, changes), linkId="")
        return len(changes)

    def _list(self, query: Any, country: str | None, key_type: str | None) -> list[Link]:
        if country is not None:
            query = query.where(links.c.country == country)
        if key_type is not None:
            query = query.where(links.c.key_type == key_type)
        query = query.order_by(
            links.c.country,
            links.c.key_type,
            func.lower(links.c.validity).nulls_first(),
            links.c.id,
        )
        return [_link(row) for row in self._conn.execute(query)]

    def _conflicting(
        self, ssin: str, country: str, key_type: str, key: str, validity: Period | None
    ) -> int | None:
        return self._conn.scalar(
            select(links.c.id)
            .where(
                links.c.country == country,
                links.c.key_type == key_type,
                links.c.foreign_key == key,
                or_(links.c.ssin == ssin, links.c.validity.overlaps(to_range(validity))),
            )
            .order_by(links.c.id)
            .limit(1)
        )

    def _guarded(self, write: Callable[[], object], **information: str) -> None:
        try:
            with self._conn.begin_nested():
                write()
        except IntegrityError as error:
            if _constraint(error) not in _CONFLICTS:
                raise
            raise LinkExists(
                "another link already holds this foreign key then", **information
            ) from None


def _constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def to_range(validity: Period | None) -> Range[Any]:
    """A validity as stored, or (,) for a link valid always."""
    return Range(None, None, bounds="()") if validity is None else ranges.to_range(validity)


def to_period(stored: Range[Any]) -> Period | None:
    return None if stored.lower is None else ranges.to_period(stored)


def _link(row: Row[Any]) -> Link:
    return Link(
        link_id=row.id,
        ssin=row.ssin,
        country=row.country,
        key_type=row.key_type,
        foreign_key=row.foreign_key,
        validity=to_period(row.validity),
        cbe_number=row.cbe_number,
    )
