"""Server tags (Nova's ``tags`` table: one row per instance uuid and tag).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tags',
        sa.Column('resource_id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('tag', sa.String(80), primary_key=True, nullable=False),
    )
    op.create_index('tags_tag_idx', 'tags', ['tag'])


def downgrade():
    op.drop_index('tags_tag_idx', table_name='tags')
    op.drop_table('tags')
