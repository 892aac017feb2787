"""Each run stores its suites' categories (bias / pii), so readers need not import the registry.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The built-in suites' categories when this migration was written (a migration is a snapshot:
# it must not import today's plug-ins). Other names in old runs get the readers' name guess.
_BUILTIN = {"bbq": "bias", "bold": "bias", "counterfactual": "bias", "crows_pairs": "bias",
            "decisions": "bias", "holistic_bias": "bias", "occupations": "bias",
            "stereoset": "bias", "winobias": "bias", "canary_exposure": "pii",
            "pii_emission": "pii", "pii_extraction": "pii"}


def upgrade() -> None:
    op.add_column("runs", sa.Column("categories", sa.JSON, nullable=True))
    runs = sa.table("runs", sa.column("run_id", sa.String), sa.column("suites", sa.JSON),
                    sa.column("categories", sa.JSON))
    conn = op.get_bind()
    for run_id, suites in conn.execute(sa.select(runs.c.run_id, runs.c.suites)).all():
        known = {s: _BUILTIN[s] for s in suites or [] if s in _BUILTIN}
        conn.execute(runs.update().where(runs.c.run_id == run_id).values(categories=known))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("categories")
