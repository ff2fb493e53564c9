"""suspected_proxy_signins: why a sign-in was flagged (a shared phone, or a trainee's new phone)

Revision ID: b3f1d2a4c6e8
Revises: 4d8e2b6c1a57
Create Date: 2026-12-03 07:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3f1d2a4c6e8'
down_revision = '4d8e2b6c1a57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suspected_proxy_signins', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reason', sa.String(length=16), nullable=False, server_default='shared_device')
        )


def downgrade():
    with op.batch_alter_table('suspected_proxy_signins', schema=None) as batch_op:
        batch_op.drop_column('reason')
