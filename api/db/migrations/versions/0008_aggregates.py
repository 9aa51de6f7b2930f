"""Host aggregates: aggregates, their hosts and their metadata (availability_zone among it).

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', DATETIME, nullable=False),
            sa.Column('updated_at', DATETIME, nullable=True)]


def _aggregate_fk():
    return sa.Column('aggregate_id', sa.Integer(),
                     sa.ForeignKey('aggregates.id', ondelete='CASCADE'), nullable=False)


def upgrade():
    op.create_table(
        'aggregates',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
    )
    op.create_table(
        'aggregate_hosts',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('host', sa.String(255), nullable=False),
        _aggregate_fk(),
        sa.UniqueConstraint('host', 'aggregate_id',
                            name='uniq_aggregate_hosts0host0aggregate_id'),
    )
    op.create_table(
        'aggregate_metadata',
        *_timestamps(),
        sa.Column('id', sa.Integer(), primary_key=True),
        _aggregate_fk(),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.UniqueConstraint('aggregate_id', 'key',
                            name='uniq_aggregate_metadata0aggregate_id0key'),
    )
    op.create_index('aggregate_metadata_key_idx', 'aggregate_metadata', ['key'])


def downgrade():
    op.drop_index('aggregate_metadata_key_idx', table_name='aggregate_metadata')
    op.drop_table('aggregate_metadata')
    op.drop_table('aggregate_hosts')
    op.drop_table('aggregates')
