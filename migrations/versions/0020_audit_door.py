"""audit log: the door an officer action came through (dashboard, api, cli)

Officer actions are recorded by the capabilities' service functions whatever the door
(issue 15); the entry says which one. Entries written before this revision have none.

Revision ID: 0020
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("door", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("door")
