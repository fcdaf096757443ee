"""transcripts: evidence keeps the competency a statement claims, and what became of it

`claimed_competency` is the statement's competency extension (a fact, kept so that rule,
framework and credential changes map the evidence again without reading statements);
`claim_outcome` says whether the claim gave the competency and, if not, why (counted,
rule, unknown, ambiguous, untrusted).  Evidence stored before this revision has neither:
`flask --app wsgi transcripts rebuild` reads the claims of statements already stored.

Revision ID: transcripts_0002
Revises: transcripts_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "transcripts_0002"
down_revision = "transcripts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("transcript_evidence", sa.Column("claimed_competency", sa.String(200)))
    op.add_column("transcript_evidence", sa.Column("claim_outcome", sa.String(16)))
    op.create_index("ix_transcript_evidence_claim", "transcript_evidence",
                    ["claimed_competency"])


def downgrade() -> None:
    op.drop_index("ix_transcript_evidence_claim", "transcript_evidence")
    with op.batch_alter_table("transcript_evidence") as batch:
        batch.drop_column("claim_outcome")
        batch.drop_column("claimed_competency")
