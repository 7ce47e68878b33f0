"""training: sessions and bookings (issue 16 item 1)

Revision ID: 0021
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("county", sa.String(length=60), nullable=False),
        sa.Column("venue", sa.String(length=60), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_broadcast_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    op.create_index(op.f("ix_training_sessions_county"), "training_sessions", ["county"])
    op.create_index(op.f("ix_training_sessions_starts_at"), "training_sessions", ["starts_at"])
    op.create_index(op.f("ix_training_sessions_status"), "training_sessions", ["status"])
    op.create_table(
        "training_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("miner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["training_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_training_bookings_session_id_training_sessions")),
        sa.ForeignKeyConstraint(["miner_id"], ["miners.id"], ondelete="SET NULL",
                                name=op.f("fk_training_bookings_miner_id_miners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_bookings")),
        sa.UniqueConstraint("session_id", "phone", name="uq_training_bookings_session_phone"),
    )
    op.create_index(op.f("ix_training_bookings_phone"), "training_bookings", ["phone"])
    op.create_index(op.f("ix_training_bookings_miner_id"), "training_bookings", ["miner_id"])
    op.create_index("ix_training_bookings_waiting", "training_bookings", ["session_id", "status", "queued_at"])


def downgrade():
    op.drop_table("training_bookings")
    op.drop_table("training_sessions")
