"""compute_nodes: each compute host's reported capacity and the scheduler's claims.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def _int(name, **kwargs):
    return sa.Column(name, sa.Integer(), nullable=False, **kwargs)


def upgrade():
    op.create_table(
        'compute_nodes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('hypervisor_hostname', sa.String(255), nullable=False),
        sa.Column('hypervisor_type', sa.String(255), nullable=False),
        sa.Column('hypervisor_version', sa.BigInteger(), nullable=False),
        sa.Column('host_ip', sa.String(39), nullable=True),
        _int('vcpus'), _int('memory_mb'), _int('local_gb'),
        _int('vcpus_used'), _int('memory_mb_used'), _int('local_gb_used'), _int('running_vms'),
        sa.Column('cpu_allocation_ratio', sa.Float(), nullable=False),
        sa.Column('ram_allocation_ratio', sa.Float(), nullable=False),
        sa.Column('disk_allocation_ratio', sa.Float(), nullable=False),
        _int('deleted'),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.UniqueConstraint('uuid'),
        sa.UniqueConstraint('host', 'deleted', name='uniq_compute_nodes0host0deleted'),
    )


def downgrade():
    op.drop_table('compute_nodes')
