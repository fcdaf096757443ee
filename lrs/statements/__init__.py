"""The Statement resource (xAPI 1.0.3 Communication 2.1; xAPI 2.0 Part 3 §2.1)."""

from lrs.statements.views import blueprint

__all__ = ["blueprint"]
