"""SSDN compatibility channel: the registered SSDN clients, card numbers and addresses in the stub

`ssdn_clients` is an organisation's data (row-level security like the other organisation
tables). The channel carries no credentials: a request is matched on the client's address first,
before anyone is known, through `raas_ssdn_clients(address)`, a security-definer function that
answers only the registrations whose networks hold that address.

`source_person_details` holds what the stub authentic source may know beside the identification
data: identity-card and SIS-card numbers (ManageAccess's proof of authentication) and an address
(IdentifyPerson's Basic/Address). Shared like `source_persons`.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

ROLE = 'raas_service'
ORG = "cbe_number = current_setting('raas.cbe_number', true)"
ADMIN = "current_setting('raas.admin', true) = 'on'"


def upgrade() -> None:
    conn = op.get_bind()
    schema = conn.scalar(sa.text('SELECT current_schema()'))
    op.create_table(
        'ssdn_clients',
        sa.Column('cbe_number', sa.Text(), nullable=False),
        sa.Column('org_unit', sa.Text(), nullable=False),
        sa.Column('sector', sa.Integer(), nullable=False),
        sa.Column('sub_sector', sa.Integer(), nullable=True),
        sa.Column('networks', postgresql.ARRAY(postgresql.CIDR()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.ForeignKeyConstraint(['cbe_number'], ['organisations.cbe_number'],
                                name=op.f('fk_ssdn_clients_cbe_number_organisations')),
        sa.PrimaryKeyConstraint('cbe_number', 'org_unit', name=op.f('pk_ssdn_clients')),
    )
    op.create_table(
        'source_person_details',
        sa.Column('ssin', sa.Text(), nullable=False),
        sa.Column('identity_card_number', sa.Text(), nullable=True),
        sa.Column('sis_card_number', sa.Text(), nullable=True),
        sa.Column('street', sa.Text(), nullable=True),
        sa.Column('house_number', sa.Text(), nullable=True),
        sa.Column('postal_code', sa.Text(), nullable=True),
        sa.Column('municipality', sa.Text(), nullable=True),
        sa.Column('country_code', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['ssin'], ['source_persons.ssin'],
                                name=op.f('fk_source_person_details_ssin_source_persons')),
        sa.PrimaryKeyConstraint('ssin', name=op.f('pk_source_person_details')),
    )
    op.execute(f'GRANT SELECT, INSERT, UPDATE ON source_person_details TO {ROLE}')
    op.execute('ALTER TABLE ssdn_clients ENABLE ROW LEVEL SECURITY')
    op.execute(f'GRANT SELECT ON ssdn_clients TO {ROLE}')
    op.execute(
        f'CREATE POLICY own_or_admin ON ssdn_clients FOR SELECT TO {ROLE} '
        f'USING ({ORG} OR {ADMIN})'
    )
    op.execute(
        f"""
        CREATE FUNCTION raas_ssdn_clients(address inet)
        RETURNS TABLE (cbe_number text, org_unit text, sector integer, sub_sector integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
            SELECT c.cbe_number, c.org_unit, c.sector, c.sub_sector
            FROM ssdn_clients c WHERE address <<= ANY (c.networks)
            ORDER BY c.cbe_number, c.org_unit
        $$
        """
    )
    op.execute('REVOKE ALL ON FUNCTION raas_ssdn_clients(inet) FROM PUBLIC')
    op.execute(f'GRANT EXECUTE ON FUNCTION raas_ssdn_clients(inet) TO {ROLE}')


def downgrade() -> None:
    op.execute('DROP FUNCTION raas_ssdn_clients(inet)')
    op.drop_table('source_person_details')
    op.drop_table('ssdn_clients')
