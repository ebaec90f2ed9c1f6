"""linkregister: links, key types, the format registry, link reports, deleted links

Revision ID: 0003
Revises: 0002

The exclusion constraint on `links` needs btree_gist (equality on text inside a GiST index).
The nine key types of the contract and the formats with python-stdnum validators are seeded
here; admins change them afterwards with Admin.DefineKeyType and Admin.DefineFormat.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

KEY_TYPES = [
    ("NATIONAL_NUMBER", "National identification number"),
    ("PASSPORT", "Passport number"),
    ("SOCIAL_SECURITY", "Social-security identification number"),
    ("PENSION", "Pension identification number"),
    ("DRIVING_LICENCE", "Driving licence number"),
    ("IDENTITY_CARD", "Identity card number"),
    ("TAX_NUMBER", "Tax identification number"),
    ("BIRTH_CERTIFICATE", "Birth certificate number"),
    ("EIDAS", "eIDAS PersonIdentifier"),
]

NUM = " .-/"  # numeric keys: spaces, dots, dashes and slashes are layout only

# (country, key_type, description, pattern, validator, remove_characters, case_folding)
FORMATS = [
    ('*', 'EIDAS', "eIDAS PersonIdentifier XX/YY/identifier: XX, YY EU/EEA codes (EL for Greece), XX the link's country, then 1 to 256 readable characters without spaces", '[A-Z]{2}/[A-Z]{2}/\\S{1,256}', 'eidas', '', 'NONE'),
    ('AT', 'SOCIAL_SECURITY', 'VNR (Versicherungsnummer): 10 digits', '[0-9]{10}', 'at.vnr', NUM, 'UPPER'),
    ('BG', 'NATIONAL_NUMBER', 'EGN: 10 digits', '[0-9]{10}', 'bg.egn', NUM, 'UPPER'),
    ('CH', 'SOCIAL_SECURITY', 'AHV/AVS number: 756 and 10 digits', '756[0-9]{10}', 'ch.ssn', NUM, 'UPPER'),
    ('CZ', 'NATIONAL_NUMBER', 'Rodné číslo: 9 or 10 digits', '[0-9]{9,10}', 'cz.rc', NUM, 'UPPER'),
    ('DE', 'TAX_NUMBER', 'IdNr (steuerliche Identifikationsnummer): 11 digits', '[0-9]{11}', 'de.idnr', NUM, 'UPPER'),
    ('DK', 'NATIONAL_NUMBER', 'CPR: 10 digits', '[0-9]{10}', 'dk.cpr', NUM, 'UPPER'),
    ('EE', 'NATIONAL_NUMBER', 'Isikukood: 11 digits', '[1-8][0-9]{10}', 'ee.ik', NUM, 'UPPER'),
    ('ES', 'IDENTITY_CARD', 'DNI (8 digits and a letter) or NIE (X, Y or Z, 7 digits and a letter)', '[0-9]{8}[A-Z]|[XYZ][0-9]{7}[A-Z]', 'es.dni|es.nie', NUM, 'UPPER'),
    ('ES', 'NATIONAL_NUMBER', 'DNI (8 digits and a letter) or NIE (X, Y or Z, 7 digits and a letter)', '[0-9]{8}[A-Z]|[XYZ][0-9]{7}[A-Z]', 'es.dni|es.nie', NUM, 'UPPER'),
    ('ES', 'TAX_NUMBER', 'NIF of a person: DNI, NIE, or K/L/M with 7 digits and a letter', '[0-9]{8}[A-Z]|[XYZKLM][0-9]{7}[A-Z]', 'es.nif', NUM, 'UPPER'),
    ('FI', 'NATIONAL_NUMBER', 'HETU: 6 digits, a century sign, 3 digits and a check character', '[0-9]{6}[-+ABCDEFUVWXY][0-9]{3}[0-9A-Y]', 'fi.hetu', ' ', 'UPPER'),
    ('FR', 'SOCIAL_SECURITY', 'NIR: 15 characters (2A/2B for Corsica)', '[0-9]{5}[0-9][0-9AB][0-9]{8}', 'fr.nir', NUM, 'UPPER'),
    ('FR', 'TAX_NUMBER', 'NIF (numéro fiscal): 13 digits', '[0-3][0-9]{12}', 'fr.nif', NUM, 'UPPER'),
    ('IE', 'SOCIAL_SECURITY', 'PPS number: 7 digits, a check letter and an optional letter', '[0-9]{7}[A-W][A-Z]?', 'ie.pps', NUM, 'UPPER'),
    ('IE', 'TAX_NUMBER', 'PPS number: 7 digits, a check letter and an optional letter', '[0-9]{7}[A-W][A-Z]?', 'ie.pps', NUM, 'UPPER'),
    ('IT', 'TAX_NUMBER', 'Codice fiscale: 16 characters', '[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]', 'it.codicefiscale', NUM, 'UPPER'),
    ('LT', 'NATIONAL_NUMBER', 'Asmens kodas: 11 digits', '[0-9]{11}', 'lt.asmens', NUM, 'UPPER'),
    ('NL', 'NATIONAL_NUMBER', 'BSN (burgerservicenummer): 9 digits', '[0-9]{9}', 'nl.bsn', NUM, 'UPPER'),
    ('NL', 'TAX_NUMBER', 'BSN (burgerservicenummer): 9 digits', '[0-9]{9}', 'nl.bsn', NUM, 'UPPER'),
    ('NO', 'NATIONAL_NUMBER', 'Fødselsnummer: 11 digits', '[0-9]{11}', 'no.fodselsnummer', NUM, 'UPPER'),
    ('PL', 'NATIONAL_NUMBER', 'PESEL: 11 digits', '[0-9]{11}', 'pl.pesel', NUM, 'UPPER'),
    ('PT', 'IDENTITY_CARD', 'Cartão de Cidadão: 9 digits, 2 characters and a check digit', '[0-9]{9}[A-Z0-9]{2}[0-9]', 'pt.cc', NUM, 'UPPER'),
    ('PT', 'TAX_NUMBER', 'NIF: 9 digits', '[0-9]{9}', 'pt.nif', NUM, 'UPPER'),
    ('RO', 'NATIONAL_NUMBER', 'CNP: 13 digits', '[1-9][0-9]{12}', 'ro.cnp', NUM, 'UPPER'),
    ('SE', 'NATIONAL_NUMBER', 'Personnummer: 12 digits YYYYMMDDNNNN', '[0-9]{12}', 'se.personnummer', NUM, 'UPPER'),
    ('SI', 'NATIONAL_NUMBER', 'EMŠO: 13 digits', '[0-9]{13}', 'si.emso', NUM, 'UPPER'),
    ('SK', 'NATIONAL_NUMBER', 'Rodné číslo: 9 or 10 digits', '[0-9]{9,10}', 'cz.rc', NUM, 'UPPER'),
]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('deleted_links',
    sa.Column('link_id', sa.BigInteger(), nullable=False),
    sa.Column('ssin', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('key_type', sa.Text(), nullable=False),
    sa.Column('foreign_key', sa.Text(), nullable=False),
    sa.Column('validity', postgresql.DATERANGE(), nullable=False),
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_by', sa.Text(), nullable=False),
    sa.Column('deleted_by_cbe_number', sa.Text(), nullable=False),
    sa.Column('ticket_cbss', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('link_id', name=op.f('pk_deleted_links'))
    )
    op.create_index(op.f('ix_deleted_links_ssin'), 'deleted_links', ['ssin'], unique=False)
    op.create_table('link_formats',
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('key_type', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pattern', sa.Text(), nullable=False),
    sa.Column('validator', sa.Text(), nullable=True),
    sa.Column('remove_characters', sa.Text(), server_default=' ', nullable=False),
    sa.Column('case_folding', sa.Text(), server_default='UPPER', nullable=False),
    sa.Column('defined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("case_folding IN ('UPPER', 'LOWER', 'NONE')", name=op.f('ck_link_formats_case_folding')),
    sa.PrimaryKeyConstraint('country', 'key_type', name=op.f('pk_link_formats'))
    )
    op.create_table('link_key_types',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('defined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_link_key_types'))
    )
    op.create_table('link_reports',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('link_id', sa.BigInteger(), nullable=False),
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Text(), nullable=True),
    sa.Column('link_deleted', sa.Boolean(), server_default='false', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_reports'))
    )
    op.create_index(op.f('ix_link_reports_link_id'), 'link_reports', ['link_id'], unique=False)
    op.create_table('links',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('ssin', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('key_type', sa.Text(), nullable=False),
    sa.Column('foreign_key', sa.Text(), nullable=False),
    sa.Column('key_as_given', sa.Text(), nullable=False),
    sa.Column('validity', postgresql.DATERANGE(), nullable=False),
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('country'), '='), (sa.column('key_type'), '='), (sa.column('foreign_key'), '='), (sa.column('validity'), '&&'), using='gist', name='ex_links_key_validity'),
    sa.CheckConstraint('NOT isempty(validity)', name=op.f('ck_links_validity_not_empty')),
    sa.ForeignKeyConstraint(['cbe_number'], ['organisations.cbe_number'], name=op.f('fk_links_cbe_number_organisations')),
    sa.ForeignKeyConstraint(['key_type'], ['link_key_types.code'], name=op.f('fk_links_key_type_link_key_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links')),
    sa.UniqueConstraint('country', 'key_type', 'foreign_key', 'ssin', name=op.f('uq_links_country_key_type_foreign_key_ssin'))
    )
    op.create_index(op.f('ix_links_foreign_key'), 'links', ['foreign_key'], unique=False)
    op.create_index(op.f('ix_links_ssin'), 'links', ['ssin'], unique=False)

    key_types = sa.table("link_key_types", sa.column("code"), sa.column("description"))
    op.bulk_insert(key_types, [dict(code=c, description=d) for c, d in KEY_TYPES])
    formats = sa.table(
        "link_formats",
        *(sa.column(name) for name in (
            "country", "key_type", "description", "pattern", "validator",
            "remove_characters", "case_folding",
        )),
    )
    op.bulk_insert(formats, [
        dict(country=c, key_type=k, description=d, pattern=p, validator=v,
             remove_characters=r, case_folding=f)
        for c, k, d, p, v, r, f in FORMATS
    ])


def downgrade() -> None:
    op.drop_index(op.f('ix_links_ssin'), table_name='links')
    op.drop_index(op.f('ix_links_foreign_key'), table_name='links')
    op.drop_table('links')
    op.drop_index(op.f('ix_link_reports_link_id'), table_name='link_reports')
    op.drop_table('link_reports')
    op.drop_table('link_key_types')
    op.drop_table('link_formats')
    op.drop_index(op.f('ix_deleted_links_ssin'), table_name='deleted_links')
    op.drop_table('deleted_links')
