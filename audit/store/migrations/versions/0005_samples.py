"""Item-level samples: one row per case of a suite in a run (assay samples / assay compare).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "samples",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.run_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("suite", sa.String(128), primary_key=True),
        sa.Column("case_id", sa.String(256), primary_key=True),
        sa.Column("grp", sa.String(256)),
        sa.Column("margin", sa.Float),
        sa.Column("data", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("samples")
