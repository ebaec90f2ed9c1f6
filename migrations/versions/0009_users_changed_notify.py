"""users: NOTIFY raas_users on every change, so service workers drop the users they remember

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23 02:00:00
"""

from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION raas_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('raas_users', '');
            RETURN NULL;
        END $$;
        CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
            FOR EACH STATEMENT EXECUTE FUNCTION raas_users_changed();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER users_changed ON users; DROP FUNCTION raas_users_changed()")
