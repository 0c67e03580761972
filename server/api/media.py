"""Serving stored files: byte ranges (RFC 9110 §14) and safe headers."""

from __future__ import annotations

import re

from fastapi import Response

from server.api.problems import Problem

# Nothing served from the platform's file store may run script or load anything.
CSP = "default-src 'none'; sandbox"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged(data: bytes, media_type: str, range_header: str | None) -> Response:
    size = len(data)
    headers = {"Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP}
    if range_header is None:
        return Response(data, media_type=media_type, headers=headers)
    match = _RANGE.match(range_header.strip())
    if not match or match.groups() == ("", ""):
        # A syntactically invalid (or multi-part) range is ignored, as RFC 9110 allows.
        return Response(data, media_type=media_type, headers=headers)
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise Problem(
            416,
            "Range not satisfiable",
            f"the file has {size} bytes",
            headers={"Content-Range": f"bytes */{size}"},
        )
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(data[start : end + 1], status_code=206, media_type=media_type, headers=headers)
