"""Symptom entries: urgency and bowel (faecal) leaking or urgency (issue 12).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("symptom_entry") as batch:
        batch.add_column(
            sa.Column("urgency", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("bowel", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("symptom_entry") as batch:
        batch.drop_column("bowel")
        batch.drop_column("urgency")
