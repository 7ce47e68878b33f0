"""Join the capability branches: SMS core, incidents, tips and prices, dashboard.

Each was migrated from the foundation (0001) on its own; this revision makes one head again.

Revision ID: 0006
Revises: 0002_sms, 0003_incidents, 0004_tips_prices, 0005_dashboard
"""

revision = "0006"
down_revision = ("0002_sms", "0003_incidents", "0004_tips_prices", "0005_dashboard")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
