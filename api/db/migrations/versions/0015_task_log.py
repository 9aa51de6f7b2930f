"""The task log of the computes' periodic tasks (Nova's task_log: the usage audit).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microseconds on MySQL/MariaDB too (models.DATETIME); other backends unchanged.
DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb')

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_log',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('task_name', sa.String(255), nullable=False),
        sa.Column('state', sa.String(255), nullable=False),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('period_beginning', DATETIME, nullable=False),
        sa.Column('period_ending', DATETIME, nullable=False),
        sa.Column('message', sa.String(255), nullable=False),
        sa.Column('task_items', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('created_at', DATETIME, nullable=False),
        sa.Column('updated_at', DATETIME, nullable=True),
        sa.UniqueConstraint('task_name', 'host', 'period_beginning', 'period_ending',
                            name='uniq_task_log0task_name0host0period_beginning0period_ending'),
    )
    op.create_index('ix_task_log_period_beginning', 'task_log', ['period_beginning'])
    op.create_index('ix_task_log_host', 'task_log', ['host'])
    op.create_index('ix_task_log_period_ending', 'task_log', ['period_ending'])


def downgrade():
    op.drop_table('task_log')
