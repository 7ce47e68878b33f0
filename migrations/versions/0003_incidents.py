"""incidents: reports, follow-ups, status trail, reporter reveals

Issue 5. Server defaults match the model defaults so rows written by hand or by an older
release still get sane values.

Revision ID: 0003_incidents
Revises: 0001
Create Date: 2026-11-24 11:37:43.812068

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_incidents'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('dead', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('injured', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('trapped', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('county', sa.String(length=60), nullable=True),
    sa.Column('site', sa.String(length=80), nullable=True),
    sa.Column('occurred', sa.String(length=10), nullable=False, server_default='now'),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('miner_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False, server_default='sw'),
    sa.Column('anonymous', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('notify_reporter', sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column('status', sa.String(length=15), nullable=False, server_default='new'),
    sa.Column('at_message_id', sa.String(length=100), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['miner_id'], ['miners.id'], name=op.f('fk_incidents_miner_id_miners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('at_message_id', name=op.f('uq_incidents_at_message_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_incidents_reference'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_county'), ['county'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_miner_id'), ['miner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_reporter_phone'), ['reporter_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_urgent'), ['urgent'], unique=False)

    op.create_table('incident_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at_message_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_follow_ups_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_follow_ups')),
    sa.UniqueConstraint('at_message_id', name=op.f('uq_incident_follow_ups_at_message_id'))
    )
    with op.batch_alter_table('incident_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_follow_ups_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_reporter_reveals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('officer_username', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_reporter_reveals_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_incident_reporter_reveals_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reporter_reveals'))
    )
    with op.batch_alter_table('incident_reporter_reveals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_reporter_reveals_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('officer_username', sa.String(length=60), nullable=False),
    sa.Column('old_status', sa.String(length=15), nullable=False),
    sa.Column('new_status', sa.String(length=15), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_status_changes_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_incident_status_changes_officer_id_officers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_status_changes'))
    )
    with op.batch_alter_table('incident_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_status_changes_incident_id'), ['incident_id'], unique=False)



def downgrade():
    with op.batch_alter_table('incident_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status_changes_incident_id'))

    op.drop_table('incident_status_changes')
    with op.batch_alter_table('incident_reporter_reveals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_reporter_reveals_incident_id'))

    op.drop_table('incident_reporter_reveals')
    with op.batch_alter_table('incident_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_follow_ups_incident_id'))

    op.drop_table('incident_follow_ups')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_urgent'))
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_reporter_phone'))
        batch_op.drop_index(batch_op.f('ix_incidents_reported_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_miner_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_county'))
        batch_op.drop_index(batch_op.f('ix_incidents_category'))

    op.drop_table('incidents')
