"""permits and groups: miners' call-back requests and the officers flagged as their
county's contact for permits (permits/, issue 16 item 3)

Revision ID: 0023
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'called')")


def upgrade():
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("miner_id", sa.Integer(), nullable=True),
        sa.Column("county", sa.String(length=60), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(length=60), nullable=True),
        sa.Column("officers_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["miner_id"], ["miners.id"], name="fk_callback_requests_miner_id_miners",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_callback_requests"),
    )
    with op.batch_alter_table("callback_requests") as batch:
        batch.create_index("ix_callback_requests_phone", ["phone"])
        batch.create_index("ix_callback_requests_county", ["county"])
        batch.create_index("ix_callback_requests_status", ["status"])
        batch.create_index("ix_callback_requests_created_at", ["created_at"])
    op.create_index("uq_callback_requests_active_phone", "callback_requests", ["phone"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_table(
        "permit_county_contacts",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=80), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name="fk_permit_county_contacts_officer_id_officers",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("officer_id", name="pk_permit_county_contacts"),
    )


def downgrade():
    op.drop_table("permit_county_contacts")
    op.drop_index("uq_callback_requests_active_phone", table_name="callback_requests")
    op.drop_table("callback_requests")
