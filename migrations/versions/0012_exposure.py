"""Issue 13: revocable dashboard sessions, messages tied to their incident (so an anonymous
report's SMS never shows on its reporter's miner page), and a heartbeat row /healthz writes.

Revision ID: 0012
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("sms_messages") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.create_index("ix_sms_messages_incident_id", ["incident_id"])
        batch.create_foreign_key("fk_sms_messages_incident_id_incidents", "incidents", ["incident_id"], ["id"],
                                 ondelete="SET NULL")
    with op.batch_alter_table("sms_inbound") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.create_index("ix_sms_inbound_incident_id", ["incident_id"])
        batch.create_foreign_key("fk_sms_inbound_incident_id_incidents", "incidents", ["incident_id"], ["id"],
                                 ondelete="SET NULL")
    op.create_table(
        "health_heartbeat",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("beat", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_health_heartbeat"),
    )
    op.execute("INSERT INTO health_heartbeat (id, beat) VALUES (1, 0)")


def downgrade():
    op.drop_table("health_heartbeat")
    with op.batch_alter_table("sms_inbound") as batch:
        batch.drop_constraint("fk_sms_inbound_incident_id_incidents", type_="foreignkey")
        batch.drop_index("ix_sms_inbound_incident_id")
        batch.drop_column("incident_id")
    with op.batch_alter_table("sms_messages") as batch:
        batch.drop_constraint("fk_sms_messages_incident_id_incidents", type_="foreignkey")
        batch.drop_index("ix_sms_messages_incident_id")
        batch.drop_column("incident_id")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("session_version")
