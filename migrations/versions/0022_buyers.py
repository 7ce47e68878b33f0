"""buyers: the directory of licensed gold buyers (issue 16 item 2)

Revision ID: 0022
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("licence_number", sa.String(length=30), nullable=False),
        sa.Column("licence_expires", sa.Date(), nullable=False),
        sa.Column("county", sa.String(length=60), nullable=False),
        sa.Column("market", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyers")),
        sa.UniqueConstraint("licence_number", name=op.f("uq_buyers_licence_number")),
    )
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyers_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_buyers_licence_expires"), ["licence_expires"], unique=False)


def downgrade():
    with op.batch_alter_table("buyers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyers_licence_expires"))
        batch_op.drop_index(batch_op.f("ix_buyers_county"))
    op.drop_table("buyers")
