"""Server groups and their members; per-project and per-user quota limits.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', DATETIME, nullable=False),
            sa.Column('updated_at', DATETIME, nullable=True)]


def upgrade():
    op.create_table(
        'instance_groups',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('policy', sa.String(255), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        *_timestamps(),
    )
    op.create_index('instance_groups_project_id_idx', 'instance_groups', ['project_id'])
    op.create_table(
        'instance_group_member',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('instance_groups.id'),
                  nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('group_id', 'instance_uuid',
                            name='uniq_instance_group_member0group_id0instance_uuid'),
    )
    op.create_index('instance_group_member_instance_idx', 'instance_group_member',
                    ['instance_uuid'])
    op.create_table(
        'quotas',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('project_id', 'user_id', 'resource',
                            name='uniq_quotas0project_id0user_id0resource'),
    )


def downgrade():
    op.drop_table('quotas')
    op.drop_index('instance_group_member_instance_idx', table_name='instance_group_member')
    op.drop_table('instance_group_member')
    op.drop_index('instance_groups_project_id_idx', table_name='instance_groups')
    op.drop_table('instance_groups')
