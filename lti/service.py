"""What other features may use of LTI: the ports they fill and the records crossing
them.  Nothing else of `lti` is theirs to import (tests/hub/test_architecture.py)."""

from __future__ import annotations

from lti.tool.launch import IdentityLinker, set_identity_linker
from lti.tool.learner import (
    RECENT_LIMIT,
    CountedActivity,
    LearnerSummary,
    LearnerSummaryReader,
    set_learner_summary,
)

__all__ = ["RECENT_LIMIT", "CountedActivity", "IdentityLinker", "LearnerSummary",
           "LearnerSummaryReader", "set_identity_linker", "set_learner_summary"]
