"""Partial indexes for the cron sweeps: inbound SMS not handled yet, incidents not alerted yet.

Each sweep runs every minute and looks for the few rows that no job holds any more among
all of them; a partial index keeps that a lookup however large the tables grow.

Revision ID: 0011
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sms_inbound_unhandled", "sms_inbound", ["received_at"],
                    postgresql_where=sa.text("handled_at IS NULL"), sqlite_where=sa.text("handled_at IS NULL"))
    op.create_index("ix_incidents_unalerted", "incidents", ["created_at"],
                    postgresql_where=sa.text("alerted_at IS NULL"), sqlite_where=sa.text("alerted_at IS NULL"))


def downgrade():
    op.drop_index("ix_incidents_unalerted", table_name="incidents")
    op.drop_index("ix_sms_inbound_unhandled", table_name="sms_inbound")
