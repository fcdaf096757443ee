"""Imports of completions that were never xAPI (issue 15.4): classes, mentorship sessions
and events kept in a spreadsheet become ordinary statements of an importing credential.

    table.py       CSV (UTF-8, `,` or `;`) and XLSX files → a header and rows
    mapping.py     the column mapping (which header holds what, plus constants)
    rows.py        one row → a completion, or errors naming line and column
    statements.py  a completion → the xAPI statement transcripts count, with a
                   deterministic id
    run.py         the import in batches, with progress and a report
    jobs.py        imports uploaded through the admin API, run by the worker

No HTTP and no SQL here: the LRS is reached through `lrs.service.store_as`, NIP rules
through `transcripts.service`, the import jobs through the connectors storage contract.
See docs/connectors-imports.md.
"""
