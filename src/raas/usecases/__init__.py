"""The application layer between the entry points (SOAP services, the `raas` command) and the
domain: one function per operation, on the ports of `usecases.ports`.

Each use case opens its own unit of work and commits it; services never touch transactions.
The modules go by concern: `transactions` (running a lost race again), `accounts` (logins,
users, type dossiers), `audit`, `register`, `links`, `identification`, `source` (the authentic
source's changes), `sourcefeed` (its bulk feed), `notifications`, `ssdn`. The account and audit
use cases every entry point needs are named here too.
"""

from raas.usecases.accounts import (
    authenticate,
    create_user,
    define_type_dossier,
    list_type_dossiers,
)
from raas.usecases.audit import consult_audit_log, record_audit, verify_audit_log

__all__ = [
    "authenticate",
    "consult_audit_log",
    "create_user",
    "define_type_dossier",
    "list_type_dossiers",
    "record_audit",
    "verify_audit_log",
]
