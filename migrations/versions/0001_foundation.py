"""foundation: organisations, users, type dossiers, audit log, stub source

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:56:27.136539
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ticket_cbss', sa.Uuid(), nullable=False),
    sa.Column('cbe_number', sa.Text(), nullable=True),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('service', sa.Text(), nullable=False),
    sa.Column('operation', sa.Text(), nullable=False),
    sa.Column('ssins', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('status_code', sa.Text(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_cbe_number_at', 'audit_log', ['cbe_number', 'at'], unique=False)
    op.create_index('ix_audit_log_ssins', 'audit_log', ['ssins'], unique=False, postgresql_using='gin')
    op.create_table('organisations',
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('cbe_number', name=op.f('pk_organisations'))
    )
    op.create_table('source_persons',
    sa.Column('ssin', sa.Text(), nullable=False),
    sa.Column('register', sa.Text(), nullable=False),
    sa.Column('last_name', sa.Text(), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('birth_date', sa.Text(), nullable=False),
    sa.Column('gender', sa.Text(), nullable=False),
    sa.Column('nationality', sa.Text(), nullable=True),
    sa.Column('decease_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Text(), server_default='ACTIVE', nullable=False),
    sa.Column('replaced_by', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'REPLACED') = (replaced_by IS NOT NULL)", name=op.f('ck_source_persons_replaced_by_iff_replaced')),
    sa.CheckConstraint("gender IN ('MALE', 'FEMALE', 'UNKNOWN')", name=op.f('ck_source_persons_gender')),
    sa.CheckConstraint("register IN ('RR', 'BIS')", name=op.f('ck_source_persons_register')),
    sa.CheckConstraint("status IN ('ACTIVE', 'REPLACED', 'CANCELED')", name=op.f('ck_source_persons_status')),
    sa.PrimaryKeyConstraint('ssin', name=op.f('pk_source_persons'))
    )
    op.create_table('type_dossiers',
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('defined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['cbe_number'], ['organisations.cbe_number'], name=op.f('fk_type_dossiers_cbe_number_organisations')),
    sa.PrimaryKeyConstraint('cbe_number', 'code', name=op.f('pk_type_dossiers'))
    )
    op.create_table('users',
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('cbe_number', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('client', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['cbe_number'], ['organisations.cbe_number'], name=op.f('fk_users_cbe_number_organisations')),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_users'))
    )
    op.create_index(op.f('ix_users_cbe_number'), 'users', ['cbe_number'], unique=False)



def downgrade() -> None:

    op.drop_index(op.f('ix_users_cbe_number'), table_name='users')
    op.drop_table('users')
    op.drop_table('type_dossiers')
    op.drop_table('source_persons')
    op.drop_table('organisations')
    op.drop_index('ix_audit_log_ssins', table_name='audit_log', postgresql_using='gin')
    op.drop_index('ix_audit_log_cbe_number_at', table_name='audit_log')
    op.drop_table('audit_log')

