"""Response compression by flask-compress: JSON and text bodies of 1 KiB or more go out
gzipped when the client asks (`Accept-Encoding: gzip`; xAPI 2.0 §4.1.1 lists the header
among those an LRS implements).  multipart/mixed (statements with attachments) is never
compressed: attachment parts are often already compressed and clients read them raw.

flask-compress gives a compressed representation its own strong ETag ("<sha1>:gzip",
RFC 9110 §8.8.3); lrs.documents_input reads such a tag written back in If-Match as the
document's SHA-1 (xAPI 1.0.3 Communication 3.1.s4.b2), so gzip never breaks concurrency.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

COMPRESSED_TYPES = [
    "application/json", "application/ld+json", "application/xml", "application/javascript",
    "application/octet-stream",  # documents sent without a type (TinCanPython's default)
    "text/plain", "text/html", "text/css", "text/csv", "text/xml", "image/svg+xml",
]


def init_compression(app: Flask) -> None:
    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=["gzip"],  # what every xAPI client library can read
        COMPRESS_MIN_SIZE=1024,  # below that gzip saves less than it costs
        COMPRESS_LEVEL=5,
        COMPRESS_STREAMS=False,
    )
    Compress(app)
