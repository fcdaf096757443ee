"""The auditor pages: server-rendered HTML in Bahasa Indonesia and English over the same
reads as the auditor API (`transcripts.queries`), with CSV and PDF downloads.  See
docs/auditor-pages.md."""

from __future__ import annotations

from flask import Blueprint


def blueprint() -> Blueprint:
    from transcripts.pages.views import blueprint

    return blueprint
