"""cohorts: the leave limit of the completion rule, as a share of the course's credit hours (default 1/7)

Revision ID: c7e2a4b9d115
Revises: 9a4c2e7f1d36
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7e2a4b9d115'
down_revision = '9a4c2e7f1d36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_leave_fraction', sa.String(length=16), server_default='1/7', nullable=True))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('max_leave_fraction')
