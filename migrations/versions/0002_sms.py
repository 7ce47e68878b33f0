"""SMS core: one row per outbound message, broadcasts, inbound messages

Revision ID: 0002_sms
Revises: 0001
Create Date: 2026-11-24 11:37:36.621814

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_sms'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('pause_reason', sa.String(length=200), nullable=True),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('excluded_opted_out', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_broadcasts_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcasts_status'), ['status'], unique=False)

    op.create_table('sms_inbound',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at_id', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('miner_id', sa.Integer(), nullable=True),
    sa.Column('to', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('keyword', sa.String(length=20), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('link_id', sa.String(length=64), nullable=True),
    sa.Column('network_code', sa.String(length=10), nullable=True),
    sa.Column('at_date', sa.String(length=40), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['miner_id'], ['miners.id'], name=op.f('fk_sms_inbound_miner_id_miners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_inbound')),
    sa.UniqueConstraint('at_id', name=op.f('uq_sms_inbound_at_id'))
    )
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_inbound_phone'), ['phone'], unique=False)

    op.create_table('sms_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('miner_id', sa.Integer(), nullable=True),
    sa.Column('broadcast_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('encoding', sa.String(length=6), nullable=False),
    sa.Column('segments', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False, server_default='queued'),
    sa.Column('attempts', sa.SmallInteger(), nullable=False, server_default='0'),
    sa.Column('at_message_id', sa.String(length=64), nullable=True),
    sa.Column('at_status_code', sa.SmallInteger(), nullable=True),
    sa.Column('cost', sa.String(length=24), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('delivery_status', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], name=op.f('fk_sms_messages_broadcast_id_broadcasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['miner_id'], ['miners.id'], name=op.f('fk_sms_messages_miner_id_miners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('broadcast_id', 'miner_id', name='uq_sms_messages_broadcast_miner')
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_messages_at_message_id'), ['at_message_id'], unique=False)
        batch_op.create_index('ix_sms_messages_broadcast_status', ['broadcast_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sms_messages_phone'), ['phone'], unique=False)
        # Deleting a miner (erasure) sets miner_id NULL: without this it scans every message.
        batch_op.create_index(batch_op.f('ix_sms_messages_miner_id'), ['miner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_messages_miner_id'))
        batch_op.drop_index(batch_op.f('ix_sms_messages_phone'))
        batch_op.drop_index('ix_sms_messages_broadcast_status')
        batch_op.drop_index(batch_op.f('ix_sms_messages_at_message_id'))

    op.drop_table('sms_messages')
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_inbound_phone'))

    op.drop_table('sms_inbound')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_status'))
        batch_op.drop_index(batch_op.f('ix_broadcasts_officer_id'))

    op.drop_table('broadcasts')
