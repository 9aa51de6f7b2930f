"""Indexes for the watchdog's scans (every api process, every watchdog_interval): the
instances with a task in progress and the events not finished. Without them both are
full scans that grow with every server and every event ever recorded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('instances_task_state_idx', 'instances', ['task_state'])
    op.create_index('instance_actions_events_finish_time_idx', 'instance_actions_events',
                    ['finish_time'])


def downgrade():
    op.drop_index('instance_actions_events_finish_time_idx',
                  table_name='instance_actions_events')
    op.drop_index('instances_task_state_idx', table_name='instances')
