"""certificates: per-cohort running number, reissue link, issue reason; certificate_settings per cohort

Revision ID: c3e7f1a9b204
Revises: c7e2a4b9d115
Create Date: 2026-12-03 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3e7f1a9b204'
down_revision = 'c7e2a4b9d115'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_settings',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('serial_pattern', sa.String(length=64), nullable=False),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=128), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('seal_png', sa.LargeBinary(), nullable=True),
    sa.Column('seal_width', sa.Integer(), nullable=True),
    sa.Column('seal_height', sa.Integer(), nullable=True),
    sa.Column('seal_position', sa.String(length=16), nullable=False),
    sa.Column('seal_size_mm', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_certificate_settings_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', name=op.f('pk_certificate_settings'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('issue_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_cohort_id_seq'), ['cohort_id', 'seq'])
        batch_op.create_foreign_key(batch_op.f('fk_certificates_replaced_by_id_certificates'), 'certificates', ['replaced_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_replaced_by_id_certificates'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_certificates_cohort_id_seq'), type_='unique')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('issue_reason')
        batch_op.drop_column('seq')
    op.drop_table('certificate_settings')
