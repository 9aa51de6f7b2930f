"""Flavor access and extra specs, key pairs, and the instance's key name and spec snapshot.

Revision ID: 0003
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', DATETIME, nullable=False),
            sa.Column('updated_at', DATETIME, nullable=True)]


def upgrade():
    op.create_table(
        'flavor_projects',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('flavor_id', sa.Integer(), sa.ForeignKey('flavors.id'), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('flavor_id', 'project_id',
                            name='uniq_flavor_projects0flavor_id0project_id'),
    )
    op.create_table(
        'flavor_extra_specs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('flavor_id', sa.Integer(), sa.ForeignKey('flavors.id'), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('flavor_id', 'key', name='uniq_flavor_extra_specs0flavor_id0key'),
    )
    op.create_table(
        'key_pairs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('fingerprint', sa.String(255), nullable=True),
        sa.Column('public_key', sa.Text(), nullable=True),
        sa.Column('type', sa.Enum('ssh', 'x509', name='keypair_types'), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint('user_id', 'name', name='uniq_key_pairs0user_id0name'),
    )
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('key_name', sa.String(255), nullable=True))
        batch.add_column(sa.Column('flavor_extra_specs', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('flavor_extra_specs')
        batch.drop_column('key_name')
    for table in ('key_pairs', 'flavor_extra_specs', 'flavor_projects'):
        op.drop_table(table)
    sa.Enum(name='keypair_types').drop(op.get_bind(), checkfirst=True)
