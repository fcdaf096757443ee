"""What other features may use of LTI: the ports they fill.  Nothing else of `lti` is
theirs to import (tests/hub/test_architecture.py)."""

from __future__ import annotations

from lti.tool.launch import IdentityLinker, set_identity_linker

__all__ = ["IdentityLinker", "set_identity_linker"]
