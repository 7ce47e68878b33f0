"""tips: who last edited a tip and when, so that reloading content/tips.yaml keeps officers'
corrections (tips.catalogue.load_file)

Revision ID: 0016
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_by", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    # Officers' edits made before this revision are in the audit log (dashboard "tip_edited"):
    # mark those tips, so that the next `tips load` keeps their text too.
    op.execute(
        "UPDATE tips SET "
        "edited_at = (SELECT MAX(a.at) FROM audit_log a WHERE a.action = 'tip_edited' AND a.target = tips.id), "
        "edited_by = (SELECT a.officer_username FROM audit_log a WHERE a.action = 'tip_edited' "
        "AND a.target = tips.id ORDER BY a.at DESC LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'tip_edited' AND a.target = tips.id)"
    )


def downgrade():
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
        batch_op.drop_column("edited_by")
