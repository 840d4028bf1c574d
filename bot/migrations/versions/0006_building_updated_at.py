"""building.updated_at: the gateway keeps building names in memory and needs to know when they change

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 03:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
