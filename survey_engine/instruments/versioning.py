"""Content hashes: a questionnaire version is identified by what it says, not by its label.

The hash covers the canonical JSON form (keys sorted, no insignificant whitespace, UTF-8), so
reformatting a file keeps its version while any change of content makes a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical_json", "content_hash"]


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one text form of a document that the hash is taken over."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def content_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a questionnaire document."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
