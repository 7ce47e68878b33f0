"""tips: who last edited a tip and when, so that reloading content/tips.yaml keeps officers'
corrections (tips.catalogue.load_file)

Revision ID: 0016
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_by", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
        batch_op.drop_column("edited_by")
