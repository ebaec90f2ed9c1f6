"""failed logins per (username, client address), shared by every worker

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('username', sa.Text(), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('username', 'address', name=op.f('pk_login_failures')),
    )
    op.create_index(
        op.f('ix_login_failures_last_failure_at'), 'login_failures', ['last_failure_at']
    )
    # Looked up before anyone is authenticated: no organisation's data, no policies.
    op.execute('GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures TO raas_service')


def downgrade() -> None:
    op.drop_index(op.f('ix_login_failures_last_failure_at'), table_name='login_failures')
    op.drop_table('login_failures')
