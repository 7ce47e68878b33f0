"""finance: miners' leads for savings groups, equipment loans and mercury-free equipment
(issue 16 item 4), one per phone and kind

Revision ID: 0024
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "finance_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("miner_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("equipment", sa.String(length=20), nullable=True),
        sa.Column("county", sa.String(length=60), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["miner_id"], ["miners.id"], name=op.f("fk_finance_leads_miner_id_miners"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_leads")),
        sa.UniqueConstraint("phone", "kind", name="uq_finance_leads_phone_kind"),
    )
    with op.batch_alter_table("finance_leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finance_leads_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_leads_miner_id"), ["miner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_leads_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_leads_county"), ["county"], unique=False)
        batch_op.create_index(batch_op.f("ix_finance_leads_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("finance_leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finance_leads_created_at"))
        batch_op.drop_index(batch_op.f("ix_finance_leads_county"))
        batch_op.drop_index(batch_op.f("ix_finance_leads_kind"))
        batch_op.drop_index(batch_op.f("ix_finance_leads_miner_id"))
        batch_op.drop_index(batch_op.f("ix_finance_leads_phone"))
    op.drop_table("finance_leads")
