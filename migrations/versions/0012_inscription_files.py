"""inscription files: bulk loads sent as one file, processed in the background

`inscription_files` holds each file as it was sent (until it is processed), its sha256 (one
file per organisation and checksum: a file sent twice is applied once), its state and progress.
`inscription_file_results` holds the result file, a part per chunk of lines, written in the same
transaction as the chunk's inscriptions: a worker that dies resumes after the last part.
Both are an organisation's data (row-level security like the register). The background worker
finds the files waiting, across organisations, through `raas_inscription_files_waiting()`, a
security-definer function that answers only their ids and organisations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ROLE = 'raas_service'
ORG = "cbe_number = current_setting('raas.cbe_number', true)"


def upgrade() -> None:
    schema = op.get_bind().scalar(sa.text('SELECT current_schema()'))
    op.create_table(
        'inscription_files',
        sa.Column('batch_id', sa.Uuid(), nullable=False),
        sa.Column('cbe_number', sa.Text(), nullable=False),
        sa.Column('username', sa.Text(), nullable=False),
        sa.Column('sha256', sa.Text(), nullable=False),
        sa.Column('file_name', sa.Text(), nullable=True),
        sa.Column('format', sa.Text(), nullable=False),
        sa.Column('mode', sa.Text(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('state', sa.Text(), server_default='RECEIVED', nullable=False),
        sa.Column('line_count', sa.Integer(), nullable=True),
        sa.Column('lines_done', sa.Integer(), server_default='0', nullable=False),
        sa.Column('accepted', sa.Integer(), server_default='0', nullable=False),
        sa.Column('refused', sa.Integer(), server_default='0', nullable=False),
        sa.Column('problem', sa.Text(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("format IN ('CSV', 'XML')", name=op.f('ck_inscription_files_format')),
        sa.CheckConstraint("mode IN ('LINE', 'FILE')", name=op.f('ck_inscription_files_mode')),
        sa.CheckConstraint("state IN ('RECEIVED', 'PROCESSING', 'DONE', 'REFUSED')",
                           name=op.f('ck_inscription_files_state')),
        sa.ForeignKeyConstraint(['cbe_number'], ['organisations.cbe_number'],
                                name=op.f('fk_inscription_files_cbe_number_organisations')),
        sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_inscription_files')),
        sa.UniqueConstraint('cbe_number', 'sha256',
                            name=op.f('uq_inscription_files_cbe_number_sha256')),
    )
    op.create_index('ix_inscription_files_waiting', 'inscription_files', ['submitted_at'],
                    postgresql_where=sa.text("state IN ('RECEIVED', 'PROCESSING')"))
    op.create_table(
        'inscription_file_results',
        sa.Column('batch_id', sa.Uuid(), nullable=False),
        sa.Column('first_line', sa.Integer(), nullable=False),
        sa.Column('last_line', sa.Integer(), nullable=False),
        sa.Column('cbe_number', sa.Text(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.Column('results', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['inscription_files.batch_id'],
                                name=op.f('fk_inscription_file_results_batch_id_inscription_files'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', 'first_line', name=op.f('pk_inscription_file_results')),
    )
    for table, privileges in (
        ('inscription_files', 'SELECT, INSERT, UPDATE'),
        ('inscription_file_results', 'SELECT, INSERT, DELETE'),
    ):
        op.execute(f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY')
        op.execute(f'GRANT {privileges} ON {table} TO {ROLE}')
        op.execute(f'CREATE POLICY own ON {table} FOR ALL TO {ROLE} USING ({ORG}) WITH CHECK ({ORG})')
    op.execute(
        f"""
        CREATE FUNCTION raas_inscription_files_waiting()
        RETURNS TABLE (batch_id uuid, cbe_number text, username text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
            SELECT f.batch_id, f.cbe_number, f.username FROM inscription_files f
            WHERE f.state IN ('RECEIVED', 'PROCESSING') ORDER BY f.submitted_at, f.batch_id
        $$
        """
    )
    op.execute('REVOKE ALL ON FUNCTION raas_inscription_files_waiting() FROM PUBLIC')
    op.execute(f'GRANT EXECUTE ON FUNCTION raas_inscription_files_waiting() TO {ROLE}')


def downgrade() -> None:
    op.execute('DROP FUNCTION raas_inscription_files_waiting()')
    op.drop_table('inscription_file_results')
    op.drop_index('ix_inscription_files_waiting', table_name='inscription_files')
    op.drop_table('inscription_files')
