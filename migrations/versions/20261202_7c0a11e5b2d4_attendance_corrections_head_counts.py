"""attendance: corrections (补签) with the corrected mark, site-visit head counts

Revision ID: 7c0a11e5b2d4
Revises: 2e16bbeaff3f
Create Date: 2026-12-02 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c0a11e5b2d4'
down_revision = '2e16bbeaff3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correction_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='correction_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_correction_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_correction_requests_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_correction_requests_trainee_id_trainees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_requests'))
    )
    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_requests_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_requests_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('head_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.Enum('departure', 'return', name='head_count_phase', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_head_counts_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_head_counts_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_head_counts_trainee_id_trainees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_head_counts')),
    sa.UniqueConstraint('session_id', 'trainee_id', 'phase', name=op.f('uq_head_counts_session_id_trainee_id_phase'))
    )
    with op.batch_alter_table('head_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_head_counts_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_head_counts_trainee_id'), ['trainee_id'], unique=False)

    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_column('corrected')

    with op.batch_alter_table('head_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_head_counts_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_head_counts_session_id'))
    op.drop_table('head_counts')

    with op.batch_alter_table('correction_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_requests_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_correction_requests_session_id'))
    op.drop_table('correction_requests')
