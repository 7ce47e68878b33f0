"""tips and prices: tip topics, tips, tip deliveries; markets, prices, subscriptions, alerts

Revision ID: 0004_tips_prices
Revises: 0001
Create Date: 2026-11-24 11:38:23.005581

The markets table starts with one buying centre per gold-mining county (flows/catalog.py);
tips are loaded from content/tips.yaml by `flask --app app tips load`, not here, so that
the content can change without a migration.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_tips_prices'
down_revision = '0001'
branch_labels = None
depends_on = None

# A copy, not an import: a migration must not change when application code does.
MINING_COUNTIES = (
    "Migori", "Kakamega", "Vihiga", "Narok", "Siaya", "Homa Bay", "West Pokot", "Turkana",
    "Nandi", "Kisumu", "Busia", "Taita Taveta", "Kitui", "Kajiado", "Machakos", "Kilifi",
    "Uasin Gishu", "Isiolo", "Marsabit",
)


def upgrade():
    op.create_table('markets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('county', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_markets')),
    sa.UniqueConstraint('name', name=op.f('uq_markets_name'))
    )
    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_markets_county'), ['county'], unique=False)
    markets = sa.table('markets', sa.column('name', sa.String), sa.column('county', sa.String),
                       sa.column('created_at', sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    op.bulk_insert(markets, [{'name': county, 'county': county, 'created_at': now} for county in MINING_COUNTIES])

    op.create_table('tip_topics',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label_sw', sa.String(length=40), nullable=False),
    sa.Column('label_en', sa.String(length=40), nullable=False),
    sa.Column('words_en', sa.String(length=300), nullable=False),
    sa.Column('words_sw', sa.String(length=300), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tip_topics'))
    )
    op.create_table('price_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('miner_id', sa.Integer(), nullable=True),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('reference_kes_pure', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['market_id'], ['markets.id'], name=op.f('fk_price_subscriptions_market_id_markets')),
    sa.ForeignKeyConstraint(['miner_id'], ['miners.id'], name=op.f('fk_price_subscriptions_miner_id_miners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_subscriptions')),
    sa.UniqueConstraint('phone', 'market_id', name='uq_price_subscriptions_phone_market')
    )
    with op.batch_alter_table('price_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_subscriptions_market_id'), ['market_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_subscriptions_phone'), ['phone'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('kes_per_gram', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('purity', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['market_id'], ['markets.id'], name=op.f('fk_prices_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices'))
    )
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.create_index('ix_prices_market_observed', ['market_id', 'observed_at'], unique=False)

    op.create_table('tips',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('topic_code', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_sw', sa.String(length=160), nullable=False),
    sa.Column('text_en', sa.String(length=160), nullable=False),
    sa.Column('sources', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['topic_code'], ['tip_topics.code'], name=op.f('fk_tips_topic_code_tip_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tips'))
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tips_topic_code'), ['topic_code'], unique=False)

    op.create_table('price_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['price_id'], ['prices.id'], name=op.f('fk_price_alerts_price_id_prices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_alerts')),
    sa.UniqueConstraint('price_id', 'phone', name='uq_price_alerts_price_phone')
    )
    with op.batch_alter_table('price_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_alerts_phone'), ['phone'], unique=False)

    op.create_table('tip_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('miner_id', sa.Integer(), nullable=True),
    sa.Column('tip_id', sa.String(length=60), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('drip_week', sa.String(length=8), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['miner_id'], ['miners.id'], name=op.f('fk_tip_deliveries_miner_id_miners'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_deliveries_tip_id_tips')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_deliveries')),
    sa.UniqueConstraint('miner_id', 'drip_week', name='uq_tip_deliveries_miner_week')
    )
    with op.batch_alter_table('tip_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_tip_deliveries_phone_cycle', ['phone', 'cycle'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_deliveries_tip_id'), ['tip_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tip_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_deliveries_tip_id'))
        batch_op.drop_index('ix_tip_deliveries_phone_cycle')

    op.drop_table('tip_deliveries')
    with op.batch_alter_table('price_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_alerts_phone'))

    op.drop_table('price_alerts')
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tips_topic_code'))

    op.drop_table('tips')
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_index('ix_prices_market_observed')

    op.drop_table('prices')
    with op.batch_alter_table('price_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_subscriptions_phone'))
        batch_op.drop_index(batch_op.f('ix_price_subscriptions_market_id'))

    op.drop_table('price_subscriptions')
    op.drop_table('tip_topics')
    with op.batch_alter_table('markets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_markets_county'))

    op.drop_table('markets')
