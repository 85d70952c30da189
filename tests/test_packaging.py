"""The package metadata builds without deprecation warnings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_the_license_is_an_spdx_expression_the_build_backend_understands() -> None:
    """setuptools warns on every install about ``license = { text = ... }`` (an error from
    2027-02-18); the SPDX string form needs setuptools 77 or later to build."""
    pyproject = tomllib.loads(PYPROJECT.read_text())
    assert pyproject["project"]["license"] == "MIT"
    (setuptools,) = [r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    minimum = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools.replace(" ", ""))
    assert minimum is not None
    assert int(minimum.group(1)) >= 77
