"""migrations: each move of an instance (resize, cold/live migration, evacuation).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def _string(name, length=255):
    return sa.Column(name, sa.String(length), nullable=True)


def upgrade():
    op.create_table(
        'migrations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        _string('source_compute'), _string('dest_compute'), _string('source_node'),
        _string('dest_node'), _string('dest_host'),
        sa.Column('old_instance_type_id', sa.Integer(), nullable=True),
        sa.Column('new_instance_type_id', sa.Integer(), nullable=True),
        _string('instance_uuid', 36), _string('status'), _string('migration_type'),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=True)
          for name in ('memory_total', 'memory_processed', 'memory_remaining',
                       'disk_total', 'disk_processed', 'disk_remaining')],
        _string('user_id'), _string('project_id'),
        sa.Column('old_flavor', sa.JSON(), nullable=True),
        sa.Column('new_flavor', sa.JSON(), nullable=True),
        sa.Column('deleted_at', DATETIME, nullable=True),
        sa.Column('deleted', sa.Integer(), nullable=False),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
    )
    op.create_index('migrations_instance_uuid_and_status_idx', 'migrations',
                    ['deleted', 'instance_uuid', 'status'])
    op.create_index('migrations_by_host_nodes_and_status_idx', 'migrations',
                    ['deleted', 'source_compute', 'dest_compute', 'status'])
    op.create_index('migrations_updated_at_idx', 'migrations', ['updated_at'])


def downgrade():
    op.drop_table('migrations')
