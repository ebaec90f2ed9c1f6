"""identification: phonetic keys of the source's surnames, persons by surname and birth date

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('surname_keys',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('last_name', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'last_name', name=op.f('pk_surname_keys'))
    )
    op.create_index('ix_surname_keys_last_name', 'surname_keys', ['last_name'], unique=False)
    op.create_index('ix_source_persons_last_name_birth_date', 'source_persons', ['last_name', 'birth_date'], unique=False)
    _index_existing_surnames()


def _index_existing_surnames() -> None:
    """Keys for the surnames of persons already in the source (computed in Python, once each)."""
    from raas.models.phonetic import surname_keys

    conn = op.get_bind()
    names = conn.execute(sa.text("SELECT DISTINCT last_name FROM source_persons")).scalars()
    rows = [{"key": key, "last_name": name} for name in names for key in surname_keys(name)]
    if rows:
        table = sa.table('surname_keys', sa.column('key', sa.Text()), sa.column('last_name', sa.Text()))
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index('ix_source_persons_last_name_birth_date', table_name='source_persons')
    op.drop_index('ix_surname_keys_last_name', table_name='surname_keys')
    op.drop_table('surname_keys')
