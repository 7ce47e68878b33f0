"""Free-text SMS intake: the reporter's registered place beside the place a report names,
and the weekly tip's own opt-out (USHAURI ACHA / TIP STOP).

Revision ID: 0010
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("registered_place", sa.String(length=140), nullable=True))
    with op.batch_alter_table("miners") as batch:
        batch.add_column(sa.Column("tips_opt_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("miners") as batch:
        batch.drop_column("tips_opt_out_at")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("registered_place")
