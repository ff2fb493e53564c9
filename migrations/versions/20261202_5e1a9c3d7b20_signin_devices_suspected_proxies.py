"""sign-in: devices per session, suspected proxy sign-ins (疑似代签)

Revision ID: 5e1a9c3d7b20
Revises: 7c0a11e5b2d4
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1a9c3d7b20'
down_revision = '7c0a11e5b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signin_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_signin_devices_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_signin_devices_trainee_id_trainees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_devices')),
    sa.UniqueConstraint('session_id', 'device_id', name=op.f('uq_signin_devices_session_id_device_id'))
    )
    with op.batch_alter_table('signin_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_devices_trainee_id'), ['trainee_id'], unique=False)

    op.create_table('suspected_proxy_signins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('device_owner_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['device_owner_id'], ['trainees.id'], name=op.f('fk_suspected_proxy_signins_device_owner_id_trainees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_suspected_proxy_signins_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_suspected_proxy_signins_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_suspected_proxy_signins_trainee_id_trainees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspected_proxy_signins'))
    )
    with op.batch_alter_table('suspected_proxy_signins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspected_proxy_signins_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspected_proxy_signins_trainee_id'), ['trainee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('suspected_proxy_signins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspected_proxy_signins_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_suspected_proxy_signins_session_id'))
    op.drop_table('suspected_proxy_signins')
    with op.batch_alter_table('signin_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_devices_trainee_id'))
    op.drop_table('signin_devices')
