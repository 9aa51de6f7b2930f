"""Server fields: access IPs, reservation id and launch index, hostname.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = [
    ('access_ip_v4', lambda: sa.String(39)),
    ('access_ip_v6', lambda: sa.String(39)),
    ('reservation_id', lambda: sa.String(255)),
    ('launch_index', sa.Integer),
    ('hostname', lambda: sa.String(255)),
]


def upgrade():
    with op.batch_alter_table('instances') as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_(), nullable=True))
    op.create_index('instances_reservation_id_idx', 'instances', ['reservation_id'])


def downgrade():
    op.drop_index('instances_reservation_id_idx', table_name='instances')
    with op.batch_alter_table('instances') as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
