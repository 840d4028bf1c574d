"""ticket community and deadline clock: tickets carry their community (for scope) and when their clock started

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:26:23.895758
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('clock_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_community_id'), ['community_id'], unique=False)
        batch_op.create_foreign_key('fk_ticket_community_id', 'community', ['community_id'], ['id'])
    # tickets from before this revision: their grid's community, and a clock that started when they were made
    op.execute("UPDATE ticket SET community_id = (SELECT grid.community_id FROM grid WHERE grid.id = ticket.grid_id)"
               " WHERE grid_id IS NOT NULL")
    op.execute("UPDATE ticket SET clock_started_at = created_at WHERE clock_started_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ticket_community_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ticket_community_id'))
        batch_op.drop_column('clock_started_at')
        batch_op.drop_column('community_id')

