"""The schema, as SQLAlchemy Core tables; Alembic migrations must match it (`alembic check`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CIDR

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

organisations = Table(
    "organisations",
    metadata,
    Column("cbe_number", Text, primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), nullable=False, index=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    ),
    CheckConstraint("role IN ('client', 'admin')", name="role"),
)

type_dossiers = Table(
    "type_dossiers",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("code", Text, primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("defined_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ticket_cbss", Uuid, nullable=False),
    Column("cbe_number", Text),
    Column("username", Text),
    Column("service", Text, nullable=False),
    Column("operation", Text, nullable=False),
    Column("ssins", ARRAY(Text), nullable=False, server_default="{}"),
    Column("status_code", Text, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    # What the status code alone does not say (a failed or locked-out login and from where).
    Column("note", Text),
    # The hash chain (migration 0007's trigger sets these; `raas audit verify` checks them):
    # hash = sha256(prev_hash || the entry's canonical text), in the order of chain_seq. NULL
    # until the entry is sealed, normally as it is written, else by the next writer.
    Column("chain_seq", BigInteger, unique=True),
    Column("prev_hash", LargeBinary),
    Column("hash", LargeBinary),
    Index("ix_audit_log_cbe_number_at", "cbe_number", "at"),
    Index("ix_audit_log_ssins", "ssins", postgresql_using="gin"),
    # ConsultAuditLog: by time alone, and the page after a given entry.
    Index("ix_audit_log_at_id", "at", "id"),
    Index("ix_audit_log_ticket_cbss", "ticket_cbss"),
    Index("ix_audit_log_unsealed", "id", postgresql_where=text("chain_seq IS NULL")),
)

# The head of the audit chain: one row, moved on by whoever holds the chain's advisory lock.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("seq", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    CheckConstraint("id", name="single_row"),
)

# Failed logins per (username, client address): a username is refused from an address after too
# many failures there, for a while, without locking its owner out elsewhere. Rows of failures
# older than the lock window are purged when failures are recorded, so the table stays small.
login_failures = Table(
    "login_failures",
    metadata,
    Column("username", Text, primary_key=True),
    Column("address", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False, index=True),
    Column("locked_until", DateTime(timezone=True)),
)

# The stub authentic source (national register + BIS register) keeps its persons here.
source_persons = Table(
    "source_persons",
    metadata,
    Column("ssin", Text, primary_key=True),
    Column("register", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    # An incomplete date as the contract writes it: YYYY-MM-DD, YYYY-MM-00 or YYYY-00-00.
    Column("birth_date", Text, nullable=False),
    Column("gender", Text, nullable=False),
    Column("nationality", Text),
    Column("decease_date", Date),
    Column("status", Text, nullable=False, server_default="ACTIVE"),
    Column("replaced_by", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("register IN ('RR', 'BIS')", name="register"),
    CheckConstraint("gender IN ('MALE', 'FEMALE', 'UNKNOWN')", name="gender"),
    CheckConstraint("status IN ('ACTIVE', 'REPLACED', 'CANCELED')", name="status"),
    CheckConstraint(
        "(status = 'REPLACED') = (replaced_by IS NOT NULL)", name="replaced_by_iff_replaced"
    ),
)

# SSDN clients (the classic KSZ channel): an organisation's registrations, matched on the
# caller's network and its AuthorizedUser (sector = MatrixID, sub_sector = MatrixSubID).
ssdn_clients = Table(
    "ssdn_clients",
    metadata,
    Column("cbe_number", Text, ForeignKey("organisations.cbe_number"), primary_key=True),
    Column("org_unit", Text, primary_key=True),
    Column("sector", Integer, nullable=False),
    Column("sub_sector", Integer),
    Column("networks", ARRAY(CIDR), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# What the stub authentic source may know beside identification data: card numbers (proof of
# authentication on the SSDN channel) and an address.
source_person_details = Table(
    "source_person_details",
    metadata,
    Column("ssin", Text, ForeignKey("source_persons.ssin"), primary_key=True),
    Column("identity_card_number", Text),
    Column("sis_card_number", Text),
    Column("street", Text),
    Column("house_number", Text),
    Column("postal_code", Text),
    Column("municipality", Text),
    Column("country_code", Text),
)
