"""row-level security on link reports and deleted links; replacement recipients of any period

`link_reports` (a client's report and its free-text reason) and `deleted_links` hold an
organisation's data: a client files a report (INSERT of its own organisation's) but reads none;
admins read and change them all. The report's id comes back through currval, not RETURNING
(which would need the client to see the row).

`raas_holders(ssins, day)` with day NULL answers the organisations holding a line of any period:
an SSIN_REPLACEMENT rewrites every line of the old ssin, so everyone holding one is told.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ROLE = 'raas_service'
ORG = "cbe_number = current_setting('raas.cbe_number', true)"
ADMIN = "current_setting('raas.admin', true) = 'on'"


def _holders(condition: str) -> None:
    schema = op.get_bind().scalar(sa.text('SELECT current_schema()'))
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION raas_holders(ssins text[], day date) RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
            SELECT DISTINCT r.cbe_number FROM register_lines r
            WHERE r.ssin = ANY (ssins) AND {condition}
        $$
        """
    )


def upgrade() -> None:
    for table in ('link_reports', 'deleted_links'):
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY admin_all ON "{table}" FOR ALL TO {ROLE} USING ({ADMIN}) WITH CHECK ({ADMIN})')
    op.execute(f'CREATE POLICY file_own ON link_reports FOR INSERT TO {ROLE} WITH CHECK ({ORG})')
    op.execute(
        f"DO $$ BEGIN EXECUTE format('GRANT USAGE ON SEQUENCE %s TO {ROLE}', "
        f"pg_get_serial_sequence('link_reports', 'id')); END $$"
    )
    _holders('(day IS NULL OR r.periods @> day)')


def downgrade() -> None:
    _holders('r.periods @> day')
    op.execute(
        f"DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SEQUENCE %s FROM {ROLE}', "
        f"pg_get_serial_sequence('link_reports', 'id')); END $$"
    )
    op.execute('DROP POLICY file_own ON link_reports')
    for table in ('link_reports', 'deleted_links'):
        op.execute(f'DROP POLICY admin_all ON "{table}"')
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
