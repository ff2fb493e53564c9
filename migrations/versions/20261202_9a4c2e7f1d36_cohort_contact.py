"""cohorts: a contact person and phone for trainees who need help (printed on login slips)

Revision ID: 9a4c2e7f1d36
Revises: 5e1a9c3d7b20
Create Date: 2026-12-02 16:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9a4c2e7f1d36'
down_revision = '5e1a9c3d7b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')
