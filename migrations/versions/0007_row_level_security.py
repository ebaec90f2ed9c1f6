"""row-level security, the service role, the audit hash chain

The service connects as `raas_service` (see docs/security.md): not the owner, not a
superuser, no BYPASSRLS, only the grants below. Organisation data is visible to it through the
policies only, which read two per-transaction settings the unit of work sets for a known caller:
`raas.cbe_number` (the caller's organisation) and `raas.admin` ('on' for an admin). Without them
a service transaction sees no organisation's data. The owner (migrations, operator CLI jobs)
bypasses the policies as the tables' owner; FORCE is not used for that reason.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ROLE = 'raas_service'
ORG = "cbe_number = current_setting('raas.cbe_number', true)"
ADMIN = "current_setting('raas.admin', true) = 'on'"
CALLER_KNOWN = "current_setting('raas.cbe_number', true) <> ''"

# Shared by design (the LinkRegister, the stub authentic source): no policies, plain grants.
SHARED = {
    'source_persons': 'SELECT, INSERT, UPDATE',
    'surname_keys': 'SELECT, INSERT, UPDATE',
    'link_key_types': 'SELECT, INSERT, UPDATE',
    'link_formats': 'SELECT, INSERT, UPDATE',
    'links': 'SELECT, INSERT, UPDATE, DELETE',
    'link_reports': 'SELECT, INSERT, UPDATE',
    'deleted_links': 'SELECT, INSERT',
}

# An organisation's data: row-level security on, what the service may do, and its policies
# (name, command, USING, WITH CHECK). No policy at all: nothing for the service role.
PROTECTED = {
    'organisations': ('SELECT, INSERT', [('own_or_admin', 'ALL', f'{ORG} OR {ADMIN}', ADMIN)]),
    # Authentication reads a user through raas_login() only; the service has no grant here.
    'users': ('', []),
    'type_dossiers': (
        'SELECT, INSERT, UPDATE',
        [('own_or_admin', 'ALL', f'{ORG} OR {ADMIN}', ADMIN)],
    ),
    'register_lines': ('SELECT, INSERT, UPDATE, DELETE', [('own', 'ALL', ORG, ORG)]),
    'events': (
        'SELECT, INSERT',
        [
            (
                'own_or_recipient',
                'SELECT',
                f"{ORG} OR current_setting('raas.cbe_number', true) = ANY (recipients)",
                None,
            ),
            # Register events are the caller's; source events (UpdatePerson) have none.
            ('record', 'INSERT', None, f'{CALLER_KNOWN} AND (cbe_number IS NULL OR {ORG})'),
        ],
    ),
    'subscriptions': (
        'SELECT, INSERT, UPDATE, DELETE',
        [('own_or_admin', 'ALL', f'{ORG} OR {ADMIN}', f'{ORG} OR {ADMIN}')],
    ),
    'flow_authorizations': (
        'SELECT, INSERT, UPDATE, DELETE',
        [
            ('read', 'SELECT', f'{ORG} OR {ADMIN}', None),
            ('admin_writes', 'ALL', ADMIN, ADMIN),
        ],
    ),
    'notification_files': ('SELECT', [('own', 'SELECT', ORG, None)]),
    # The run's bookkeeping (every organisation's subscriptions): operator jobs only.
    'notification_days': ('', []),
    # Append-only for the service: it writes every request's entry, only admins read.
    'audit_log': (
        'SELECT, INSERT',
        [('admin_reads', 'SELECT', ADMIN, None), ('append', 'INSERT', None, 'true')],
    ),
}

GENESIS = "decode(repeat('00', 32), 'hex')"
AUDIT_LOCK = '7284, 1'  # pg_advisory_xact_lock key of the audit chain (raas.persistence too)


def upgrade() -> None:
    conn = op.get_bind()
    schema = conn.scalar(sa.text('SELECT current_schema()'))
    # Roles are cluster-wide: another database's migration may be creating it right now.
    op.execute(
        f"""
        DO $$
        BEGIN
            -- An owner without CREATEROLE needs the role made beforehand (docs/security.md).
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$
        """
    )
    # An owner that is not a superuser connects and then acts as the role: it must be a member.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('GRANT {ROLE} TO %I', current_user);
            END IF;
        END $$
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {ROLE}')
    for table, privileges in SHARED.items():
        op.execute(f'GRANT {privileges} ON "{table}" TO {ROLE}')
    for table, (privileges, policies) in PROTECTED.items():
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        if privileges:
            op.execute(f'GRANT {privileges} ON "{table}" TO {ROLE}')
        for name, command, using, check in policies:
            clauses = f' USING ({using})' if using else ''
            clauses += f' WITH CHECK ({check})' if check else ''
            op.execute(f'CREATE POLICY {name} ON "{table}" FOR {command} TO {ROLE}{clauses}')

    # Security-definer functions (run as the owner, so past the policies) for the two things
    # the service must do across organisations, each answering as little as it can.
    op.execute(
        f"""
        CREATE FUNCTION raas_login(wanted text)
        RETURNS TABLE (username text, cbe_number text, role text, password_hash text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
            SELECT u.username, u.cbe_number, u.role, u.password_hash
            FROM users u WHERE u.username = wanted
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION raas_holders(ssins text[], day date) RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
            SELECT DISTINCT r.cbe_number FROM register_lines r
            WHERE r.ssin = ANY (ssins) AND r.periods @> day
        $$
        """
    )
    for function in ('raas_login(text)', 'raas_holders(text[], date)'):
        op.execute(f'REVOKE ALL ON FUNCTION {function} FROM PUBLIC')
        op.execute(f'GRANT EXECUTE ON FUNCTION {function} TO {ROLE}')

    # The audit hash chain.
    op.add_column('audit_log', sa.Column('note', sa.Text(), nullable=True))
    op.add_column('audit_log', sa.Column('chain_seq', sa.BigInteger(), nullable=True))
    op.add_column('audit_log', sa.Column('prev_hash', sa.LargeBinary(), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.LargeBinary(), nullable=True))
    op.create_table(
        'audit_chain_head',
        sa.Column('id', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('hash', sa.LargeBinary(), nullable=False),
        sa.CheckConstraint('id', name=op.f('ck_audit_chain_head_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')),
    )
    # The canonical text of an entry; `raas.models.audit_chain.canonical_text` is its twin.
    op.execute(
        """
        CREATE FUNCTION raas_audit_digest(prev bytea, e audit_log) RETURNS bytea
        LANGUAGE sql STABLE AS $$
            SELECT sha256(prev || convert_to(jsonb_build_array(
                e.chain_seq, e.id,
                to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                e.ticket_cbss, e.cbe_number, e.username, e.service, e.operation, e.ssins,
                e.status_code, e.duration_ms, e.note
            )::text, 'UTF8'))
        $$
        """
    )
    # Sealing: the entries not chained yet (chain_seq NULL) that this transaction sees, in id
    # order, after the head. Callers hold the chain's advisory lock (AUDIT_LOCK).
    op.execute(
        f"""
        CREATE FUNCTION raas_audit_seal() RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
        DECLARE
            head audit_chain_head;
            entry audit_log;
            sealed bigint := 0;
        BEGIN
            SELECT * INTO head FROM audit_chain_head FOR UPDATE;
            IF NOT FOUND THEN  -- a new or emptied log starts again
                INSERT INTO audit_chain_head (id, seq, hash) VALUES (true, 0, {GENESIS})
                ON CONFLICT (id) DO NOTHING;
                SELECT * INTO head FROM audit_chain_head FOR UPDATE;
            END IF;
            FOR entry IN SELECT * FROM audit_log WHERE chain_seq IS NULL ORDER BY id LOOP
                entry.chain_seq := head.seq + 1;
                entry.prev_hash := head.hash;
                entry.hash := raas_audit_digest(head.hash, entry);
                UPDATE audit_log SET chain_seq = entry.chain_seq, prev_hash = entry.prev_hash,
                    hash = entry.hash
                WHERE id = entry.id;
                head.seq := entry.chain_seq;
                head.hash := entry.hash;
                sealed := sealed + 1;
            END LOOP;
            UPDATE audit_chain_head SET seq = head.seq, hash = head.hash;
            RETURN sealed;
        END $$
        """
    )
    op.execute('REVOKE ALL ON FUNCTION raas_audit_seal() FROM PUBLIC')
    # Entries from before this migration are chained in id order.
    op.execute('SELECT raas_audit_seal()')
    op.create_unique_constraint(op.f('uq_audit_log_chain_seq'), 'audit_log', ['chain_seq'])
    op.create_index(
        op.f('ix_audit_log_unsealed'),
        'audit_log',
        ['id'],
        postgresql_where=sa.text('chain_seq IS NULL'),
    )
    # A new entry is chained as it is written when its transaction gets the chain's lock at
    # once (first sealing the committed entries that others left unchained); otherwise it is
    # left for the next writer to seal. No writer ever waits for another's commit, and the
    # lock order makes one chain: an entry waits at most one request to be sealed.
    op.execute(
        f"""
        CREATE FUNCTION raas_audit_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
        DECLARE
            head audit_chain_head;
        BEGIN
            IF pg_try_advisory_xact_lock({AUDIT_LOCK}) THEN
                SELECT * INTO head FROM audit_chain_head FOR UPDATE;
                IF NOT FOUND OR EXISTS (SELECT FROM audit_log WHERE chain_seq IS NULL) THEN
                    PERFORM raas_audit_seal();
                    SELECT * INTO head FROM audit_chain_head;
                END IF;
                NEW.chain_seq := head.seq + 1;
                NEW.prev_hash := head.hash;
                NEW.hash := raas_audit_digest(head.hash, NEW);
                UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.hash;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute('REVOKE ALL ON FUNCTION raas_audit_chain() FROM PUBLIC')
    op.execute(
        'CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log '
        'FOR EACH ROW EXECUTE FUNCTION raas_audit_chain()'
    )


def downgrade() -> None:
    op.execute('DROP TRIGGER audit_log_chain ON audit_log')
    op.execute('DROP FUNCTION raas_audit_chain()')
    op.drop_index(op.f('ix_audit_log_unsealed'), table_name='audit_log')
    op.drop_constraint(op.f('uq_audit_log_chain_seq'), 'audit_log', type_='unique')
    op.execute('DROP FUNCTION raas_audit_seal()')
    op.execute('DROP FUNCTION raas_audit_digest(bytea, audit_log)')
    op.drop_table('audit_chain_head')
    for column in ('hash', 'prev_hash', 'chain_seq', 'note'):
        op.drop_column('audit_log', column)
    op.execute('DROP FUNCTION raas_holders(text[], date)')
    op.execute('DROP FUNCTION raas_login(text)')
    for table, (_, policies) in PROTECTED.items():
        for name, *_ in policies:
            op.execute(f'DROP POLICY {name} ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
    # The role is cluster-wide and may serve other databases: only this database's grants go.
    for table in [*SHARED, *PROTECTED]:
        op.execute(f'REVOKE ALL ON "{table}" FROM {ROLE}')
