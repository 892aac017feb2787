"""PII secret fingerprints: which HMAC key this store's keyed hashes were made with.

Holds a fingerprint (an HMAC of a fixed label under the key), never the key, so a replaced or
lost secret file is reported instead of silently breaking correlation of keyed hashes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pii_secrets",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("how", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pii_secrets")
