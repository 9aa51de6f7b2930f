"""migrations.old_vm_state: the vm_state a move started from (Nova keeps it in the
instance's system metadata), so the guest is started again only if it was running.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('old_vm_state', sa.String(255), nullable=True))


def downgrade():
    with op.batch_alter_table('migrations') as batch:
        batch.drop_column('old_vm_state')
