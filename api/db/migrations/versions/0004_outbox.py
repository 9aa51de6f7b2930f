"""The transactional outbox: casts to computes written with the change they belong to.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('method', sa.String(255), nullable=False),
        sa.Column('context', sa.Text(), nullable=False),
        sa.Column('kwargs', sa.Text(), nullable=False),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('claimed_by', sa.String(255), nullable=False),
        sa.Column('claimed_until', DATETIME, nullable=False),
    )
    op.create_index('outbox_claimed_until_idx', 'outbox', ['claimed_until'])


def downgrade():
    op.drop_index('outbox_claimed_until_idx', table_name='outbox')
    op.drop_table('outbox')
