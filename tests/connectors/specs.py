"""A vendor's saved contract for the tests that need it: skip without it, fail under CI=true.

The api-specs are not in the repository (:mod:`hub.specs`), so a fresh clone still runs the
rest of the suite; CI must have them, so there a missing folder is a failure, never a skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.specs import API_SPECS_ENV, vendor_dir
from tests.conftest import in_ci


def need_specs(vendor: str, required: str = "") -> Path:
    """The vendor's api-specs folder, which must hold ``required`` (a file or a folder)."""
    folder = vendor_dir(vendor)
    if not (folder / required).exists():
        reason = f"{vendor} api-specs not found at {folder} (set {API_SPECS_ENV})"
        if in_ci():
            pytest.fail(reason + "; CI=true requires the vendor contracts", pytrace=False)
        pytest.skip(reason)
    return folder
