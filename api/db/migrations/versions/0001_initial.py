"""Initial schema: instances, actions, events, faults, services, flavors.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', DATETIME, nullable=False),
            sa.Column('updated_at', DATETIME, nullable=True)]


def _str(name, nullable=True, length=255):
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade():
    op.create_table(
        'instances',
        sa.Column('id', sa.Integer(), primary_key=True),
        _str('uuid', False, 36), _str('display_name', False), _str('description'),
        _str('project_id', False), _str('user_id', False), _str('host'), _str('node'),
        _str('availability_zone'), _str('flavor_id', False), _str('flavor_name', False),
        sa.Column('vcpus', sa.Integer(), nullable=False),
        sa.Column('memory_mb', sa.Integer(), nullable=False),
        sa.Column('root_gb', sa.Integer(), nullable=False),
        sa.Column('ephemeral_gb', sa.Integer(), nullable=False),
        sa.Column('swap', sa.Integer(), nullable=False),
        _str('image_ref'), _str('vm_state', False), _str('task_state'),
        sa.Column('power_state', sa.Integer(), nullable=False),
        sa.Column('launched_at', DATETIME, nullable=True),
        sa.Column('terminated_at', DATETIME, nullable=True),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('locked_by', sa.Enum('owner', 'admin', name='instances0locked_by'),
                  nullable=True),
        _str('locked_reason'),
        sa.Column('metadata', sa.JSON(), nullable=False),
        sa.Column('deleted_at', DATETIME, nullable=True),
        sa.Column('deleted', sa.Integer(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('uuid'),
    )
    op.create_index('instances_host_deleted_idx', 'instances', ['host', 'deleted'])
    op.create_index('instances_project_id_deleted_idx', 'instances', ['project_id', 'deleted'])

    op.create_table(
        'instance_actions',
        sa.Column('id', sa.Integer(), primary_key=True),
        _str('action', False), _str('instance_uuid', False, 36), _str('request_id', False),
        _str('user_id'), _str('project_id'),
        sa.Column('start_time', DATETIME, nullable=False),
        sa.Column('finish_time', DATETIME, nullable=True),
        _str('message'),
        *_timestamps(),
    )
    op.create_index('instance_uuid_request_id_idx', 'instance_actions',
                    ['instance_uuid', 'request_id'])

    op.create_table(
        'instance_actions_events',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('action_id', sa.Integer(), sa.ForeignKey('instance_actions.id'),
                  nullable=False),
        _str('event', False),
        sa.Column('start_time', DATETIME, nullable=False),
        sa.Column('finish_time', DATETIME, nullable=True),
        _str('result'),
        sa.Column('traceback', sa.Text(), nullable=True),
        _str('host'),
        sa.Column('details', sa.Text(), nullable=True),
        *_timestamps(),
    )
    op.create_index('ix_instance_actions_events_action_id', 'instance_actions_events',
                    ['action_id'])

    op.create_table(
        'instance_faults',
        sa.Column('id', sa.Integer(), primary_key=True),
        _str('instance_uuid', False, 36),
        sa.Column('code', sa.Integer(), nullable=False),
        _str('message', False),
        sa.Column('details', sa.Text(), nullable=True),
        _str('host'),
        *_timestamps(),
    )
    op.create_index('ix_instance_faults_instance_uuid', 'instance_faults', ['instance_uuid'])

    op.create_table(
        'services',
        sa.Column('id', sa.Integer(), primary_key=True),
        _str('host', False), _str('binary', False), _str('topic'),
        sa.Column('report_count', sa.Integer(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        _str('disabled_reason'),
        sa.Column('forced_down', sa.Boolean(), nullable=False),
        sa.Column('last_seen_up', DATETIME, nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('host', 'binary', name='uniq_services0host0binary'),
    )

    op.create_table(
        'flavors',
        sa.Column('id', sa.Integer(), primary_key=True),
        _str('flavorid', False), _str('name', False),
        sa.Column('vcpus', sa.Integer(), nullable=False),
        sa.Column('memory_mb', sa.Integer(), nullable=False),
        sa.Column('root_gb', sa.Integer(), nullable=False),
        sa.Column('ephemeral_gb', sa.Integer(), nullable=False),
        sa.Column('swap', sa.Integer(), nullable=False),
        sa.Column('rxtx_factor', sa.Float(), nullable=False),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('flavorid'),
        sa.UniqueConstraint('name'),
    )


def downgrade():
    for table in ('flavors', 'services', 'instance_faults', 'instance_actions_events',
                  'instance_actions', 'instances'):
        op.drop_table(table)
    sa.Enum(name='instances0locked_by').drop(op.get_bind(), checkfirst=True)
