"""cohort_reports: the course report's narrative, edited by the organizer and kept with the cohort

Revision ID: 4d8e2b6c1a57
Revises: c3e7f1a9b204
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4d8e2b6c1a57'
down_revision = 'c3e7f1a9b204'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cohort_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('narrative', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_reports_cohort_id_cohorts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_cohort_reports_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_reports')),
        sa.UniqueConstraint('cohort_id', name=op.f('uq_cohort_reports_cohort_id')),
    )


def downgrade():
    op.drop_table('cohort_reports')
