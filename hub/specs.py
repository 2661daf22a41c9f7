"""Where the vendors' saved contracts live: the api-specs folder, kept outside the repository.

The vendors' own documents (OpenAPI files, GraphQL schemas, signature test vectors) are not
ours to copy into the project, so connectors and their tests find them here: the
``STOCKHUB_API_SPECS`` environment variable, else ``shared/api-specs`` next to the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

API_SPECS_ENV = "STOCKHUB_API_SPECS"


def api_specs_dir() -> Path:
    """``$STOCKHUB_API_SPECS``, or ``../shared/api-specs`` beside the project checkout."""
    configured = os.environ.get(API_SPECS_ENV, "").strip()
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "api-specs"


def vendor_dir(name: str) -> Path:
    """One vendor's folder in the api-specs (it may be absent: callers check)."""
    return api_specs_dir() / name
